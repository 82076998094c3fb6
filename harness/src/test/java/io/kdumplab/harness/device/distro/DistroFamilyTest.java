package io.kdumplab.harness.device.distro;

import io.kdumplab.harness.failure.ConfigurationException;
import org.testng.annotations.Test;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/** os-release's ID and ID_LIKE decide the family; a family the harness cannot configure is refused, never guessed. */
@Test(groups = "unit")
public class DistroFamilyTest {
    @Test
    public void debianAndRhelFamiliesAreKnown() {
        assertEquals(Distros.familyOf("debian "), "debian");
        assertEquals(Distros.familyOf("ubuntu debian"), "debian");
        assertEquals(Distros.familyOf("rhel fedora"), "rhel");
        assertEquals(Distros.familyOf("rocky rhel centos fedora"), "rhel");
        assertEquals(Distros.familyOf("almalinux rhel centos fedora"), "rhel");
    }

    @Test
    public void slesIsRefusedNamingWhatWasDetected() {
        ConfigurationException e = expectThrows(ConfigurationException.class, () -> Distros.familyOf("sles suse"));
        assertEquals(e.getMessage(), "unsupported distribution family 'suse' (ID=sles)");
        ConfigurationException o = expectThrows(ConfigurationException.class,
                () -> Distros.familyOf("opensuse-leap suse opensuse"));
        assertTrue(o.getMessage().contains("'suse' (ID=opensuse-leap)"), o.getMessage());
        ConfigurationException a = expectThrows(ConfigurationException.class, () -> Distros.familyOf("arch"));
        assertTrue(a.getMessage().contains("'arch' (ID=arch)"), a.getMessage());
    }
}
