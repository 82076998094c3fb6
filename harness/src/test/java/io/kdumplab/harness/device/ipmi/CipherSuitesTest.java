package io.kdumplab.harness.device.ipmi;

import io.kdumplab.harness.failure.ConfigurationException;
import org.metricshub.ipmi.core.coding.security.CipherSuite;
import org.testng.annotations.Test;

import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * The cipher suite choice as ipmitool makes it (17 before 3, never 0; the inventory may force one), and suite 17's
 * algorithms as far as ipmi-java runs them without a BMC: its integrity and confidentiality algorithms keyed from
 * a session integrity key.
 */
@Test(groups = "unit")
public class CipherSuitesTest {
    public void seventeenBeforeThreeAndNeverZero() {
        assertEquals(CipherSuites.choose(List.of(0, 1, 2, 3, 17), null, "b").id(), 17);
        assertEquals(CipherSuites.choose(List.of(0, 3), null, "b").id(), 3);
        assertTrue(CipherSuites.choose(List.of(3), null, "b").why().contains("negotiated (the BMC offers [3])"));
        ConfigurationException none = expectThrows(ConfigurationException.class, () -> CipherSuites.choose(List.of(0, 1, 2), null,
                "BMC admin@b:623"));
        assertTrue(none.getMessage().contains("BMC admin@b:623 offers cipher suites [0, 1, 2]"), none.getMessage());
    }

    public void theInventoryForcesASuiteTheBmcOffers() {
        assertEquals(CipherSuites.choose(List.of(3, 17), 3, "b").id(), 3);
        ConfigurationException e = expectThrows(ConfigurationException.class, () -> CipherSuites.choose(List.of(3), 17, "b"));
        assertTrue(e.getMessage().contains("does not offer cipher suite 17 (it offers [3])"), e.getMessage());
    }

    public void aBmcThatDoesNotListItsSuitesGetsThree() {
        CipherSuites.Choice c = CipherSuites.choose(null, null, "b");
        assertEquals(c.id(), 3);
        assertTrue(c.why().contains("does not list its suites"), c.why());
        assertEquals(CipherSuites.choose(null, 17, "b").id(), 17);
        assertEquals(CipherSuites.choose(null, 17, "b").why(), "cipher suite 17 (set in the inventory)");
    }

    public void suiteSeventeenIsSha256AndAes() throws Exception {
        CipherSuite s = CipherSuites.of(17);
        s.initializeAlgorithms(new byte[32]);
        assertEquals(s.getId(), 17);
        assertEquals(s.getAuthenticationAlgorithm().getCode(), 3, "RAKP-HMAC-SHA256");
        assertEquals(s.getIntegrityAlgorithm().getCode(), 4, "HMAC-SHA256-128");
        assertEquals(s.getConfidentialityAlgorithm().getCode(), 1, "AES-CBC-128");
        byte[] mac = s.getIntegrityAlgorithm().generateAuthCode(new byte[] {1, 2, 3, 4});
        assertEquals(mac.length, 16, "HMAC-SHA256-128 truncates to 16 bytes");
    }

    public void kgIsTextOrHex() {
        assertEquals(new String(CipherSuites.kg("secretkey")), "secretkey");
        assertEquals(CipherSuites.kg("0x0102ff"), new byte[] {1, 2, (byte) 0xff});
        assertEquals(CipherSuites.kg(null), null);
    }
}
