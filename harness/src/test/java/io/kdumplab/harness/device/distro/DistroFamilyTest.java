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
    public void suseFamiliesAreKnownAndAnythingElseIsRefusedNamingWhatWasDetected() {
        assertEquals(Distros.familyOf("sles suse"), "suse");
        assertEquals(Distros.familyOf("opensuse-leap suse opensuse"), "suse");
        assertEquals(Distros.familyOf("opensuse-tumbleweed opensuse suse"), "suse");
        assertEquals(Distros.of("suse").family(), io.kdumplab.harness.device.Distro.Family.SUSE);
        ConfigurationException a = expectThrows(ConfigurationException.class, () -> Distros.familyOf("arch"));
        assertEquals(a.getMessage(), "unsupported distribution family 'arch' (ID=arch)");
        assertTrue(a.hint().contains("Debian, RHEL and SUSE"), a.hint());
    }
}
