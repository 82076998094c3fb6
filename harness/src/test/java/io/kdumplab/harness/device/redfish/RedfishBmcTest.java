package io.kdumplab.harness.device.redfish;

import com.sun.net.httpserver.HttpsServer;
import io.kdumplab.harness.device.Bmc;
import io.kdumplab.harness.device.PowerState;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.target.BmcEndpoint;
import io.kdumplab.harness.lab.RedfishFaults;
import io.kdumplab.harness.lab.RedfishService;
import io.kdumplab.harness.support.FakeDevice;
import io.kdumplab.harness.util.AtomicFiles;
import io.kdumplab.harness.util.Secret;
import org.testng.annotations.AfterClass;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * The Redfish driver against the lab's Redfish service (both real: HTTPS, sessions, the pinned certificate), with the
 * service's power and NMI backend a fake device: what the driver does with a well-behaved BMC and with the field
 * faults. The service in front of the lab's real BMC and guest is tested by RedfishLabIT.
 */
@Test(groups = "unit", singleThreaded = true)
public class RedfishBmcTest {
    private Path dir;
    private FakeDevice fake;
    private HttpsServer server;
    private String fingerprint;
    private Secret password;

    @BeforeClass
    public void service() throws Exception {
        dir = Files.createTempDirectory("redfish");
        fingerprint = RedfishService.ensureCertificate(dir, "127.0.0.1");
        Path pw = dir.resolve("pw");
        AtomicFiles.writePrivate(pw, "s3cret-pw\n");
        password = Secret.fromFile(pw);
        fake = new FakeDevice();
        server = RedfishService.start(dir, () -> fake.device("guest"), "admin", password, "127.0.0.1", 0);
    }

    @AfterClass(alwaysRun = true)
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @AfterMethod(alwaysRun = true)
    public void wellBehavedAgain() {
        RedfishFaults.write(dir, RedfishFaults.NONE);
        fake.failBmcOpen = null;
    }

    private BmcEndpoint endpoint(String pin, Secret pw) {
        return new BmcEndpoint("127.0.0.1", server.getAddress().getPort(), "admin", pw, BmcEndpoint.Protocol.REDFISH, pin, null,
                null);
    }

    private BmcEndpoint endpoint() {
        return endpoint(fingerprint, password);
    }

    @Test
    public void aSessionFindsTheSystemSendsNmisAndPowerCyclesAndIsDeletedOnClose() {
        RedfishFaults.write(dir, new RedfishFaults(0, 1, false, false, false)); // one session at a time: close must delete it
        int nmis = fake.nmis.size();
        int cycles = fake.powerCycles.size();
        try (Bmc bmc = RedfishBmc.open(endpoint())) {
            assertEquals(bmc.powerState(), PowerState.ON);
            assertTrue(bmc.cannotSendNmi().isEmpty());
            assertTrue(bmc.describe().contains("/redfish/v1/Systems/1") && bmc.describe().contains("X-Auth-Token"), bmc.describe());
            assertEquals(bmc.nmiBurst(2, Duration.ofMillis(5)).size(), 2);
            bmc.powerCycle();
        }
        assertEquals(fake.nmis.size() - nmis, 2, "each Nmi reset reached the system once");
        assertEquals(fake.powerCycles.size() - cycles, 1);
        try (Bmc again = RedfishBmc.open(endpoint())) {
            assertEquals(again.powerState(), PowerState.ON, "the first session was deleted, so a second fits the limit of one");
        }
    }

    @Test
    public void aCertificateOtherThanThePinnedOneIsRefusedLikeAWrongHostKey() {
        String other = "SHA256:" + "AB:".repeat(31) + "AB";
        ConfigurationException e = expectThrows(ConfigurationException.class, () -> RedfishBmc.open(endpoint(other, password)));
        assertTrue(e.getMessage().contains("does not match the pinned key") && e.getMessage().contains(fingerprint), e.getMessage());
    }

    @Test
    public void aWrongPasswordIsAConfigurationErrorNamingWhereThePasswordCameFrom() throws Exception {
        Path wrong = dir.resolve("wrong");
        AtomicFiles.writePrivate(wrong, "nope\n");
        ConfigurationException e = expectThrows(ConfigurationException.class,
                () -> RedfishBmc.open(endpoint(fingerprint, Secret.fromFile(wrong))));
        assertTrue(e.getMessage().contains("refused the login (HTTP 401)"), e.getMessage());
        assertTrue(e.hint().contains(wrong.toString()), e.hint());
        assertTrue(!e.getMessage().contains("nope") && !e.hint().contains("nope"), "the password is never shown");
    }

    @Test
    public void aBusyBmcAnswering503IsWaitedOutWithinTheBound() {
        RedfishFaults.write(dir, new RedfishFaults(3, null, false, false, false));
        long t0 = System.nanoTime();
        try (Bmc bmc = RedfishBmc.open(endpoint())) {
            assertEquals(bmc.powerState(), PowerState.ON);
        }
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 2_000, "Retry-After was honoured");
    }

    /** Past its bound a busy BMC is an infrastructure error quoting the service (the bound shortened for the test). */
    @Test
    public void aBmcBusyBeyondTheBoundIsAnInfrastructureErrorQuotingIt() {
        RedfishFaults.write(dir, new RedfishFaults(1_000, null, false, false, false));
        InfrastructureException e = expectThrows(InfrastructureException.class,
                () -> RedfishClient.open(endpoint(), Duration.ofSeconds(2)).close());
        assertTrue(e.getMessage().contains("answered HTTP 503") && e.getMessage().contains("temporarily unavailable"),
                e.getMessage());
    }

    /** A web server that drops every connection unanswered: unreachable, an infrastructure error (a fallback BMC's cue). */
    @Test
    public void aBmcDroppingEveryConnectionIsAnInfrastructureError() {
        RedfishFaults.write(dir, new RedfishFaults(0, null, false, false, true));
        InfrastructureException e = expectThrows(InfrastructureException.class, () -> RedfishBmc.open(endpoint()).close());
        assertTrue(e.getMessage().contains("failed: "), e.getMessage());
        assertEquals(e.component(), "bmc");
    }

    @Test
    public void aBmcWithoutNmiIsRefusedNamingWhatItOffersAndSendsNothing() {
        RedfishFaults.write(dir, new RedfishFaults(0, null, false, true, false));
        int nmis = fake.nmis.size();
        try (Bmc bmc = RedfishBmc.open(endpoint())) {
            String why = bmc.cannotSendNmi().orElseThrow();
            assertTrue(why.contains("offers no Nmi reset") && why.contains("ForceRestart, PowerCycle"), why);
            expectThrows(ConfigurationException.class, () -> bmc.nmiBurst(1, Duration.ZERO));
        }
        assertEquals(fake.nmis.size(), nmis);
    }

    @Test
    public void aServiceErrorIsInfrastructureQuotingItsExtendedInfo() {
        try (Bmc bmc = RedfishBmc.open(endpoint())) {
            fake.failBmcOpen = new InfrastructureException("bmc", "chassis controller not answering", "");
            InfrastructureException e = expectThrows(InfrastructureException.class, bmc::powerState);
            assertTrue(e.getMessage().contains("answered HTTP 500") && e.getMessage().contains("chassis controller not answering")
                    && e.getMessage().contains("[Base.1.8.InternalError]"), e.getMessage());
        }
    }

    @Test
    public void fingerprintsAreComparedInEitherSpelling() {
        assertEquals(PinnedTrust.normalize("SHA256:AB:cd:01"), "abcd01");
        assertEquals(PinnedTrust.normalize("sha256:abCD01"), "abcd01");
    }
}
