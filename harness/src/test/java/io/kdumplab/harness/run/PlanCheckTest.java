package io.kdumplab.harness.run;

import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.target.BmcEndpoint;
import io.kdumplab.harness.target.ConsoleEndpoint;
import io.kdumplab.harness.target.SshEndpoint;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.util.Secret;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/** The plan check names every problem at once, before any connection. */
@Test(groups = "unit")
public class PlanCheckTest {
    @Test
    public void everyProblemIsReportedAtOnce() {
        TargetHost h = new TargetHost("r740-03", new SshEndpoint("r740-03", 22, "root", Path.of("/nonexistent/key"), null, null),
                new BmcEndpoint("r740-03-bmc", 623, "admin", Secret.fromEnv("KDUMP_HARNESS_TEST_UNSET_PW")),
                new ConsoleEndpoint(ConsoleEndpoint.Type.SERIAL, "/dev/ttyNOPE9", 115200, null, 0), null, "x", "/var/crash", null, null, null);
        Scenario s = Scenario.seed().withTimeouts(new Scenario.Timeouts(60, 240, 300, 600, 30, 50, 300, 300, 0));
        ConfigurationException e = expectThrows(ConfigurationException.class, () -> PlanCheck.verify(h, s, Duration.ofSeconds(60)));
        String m = e.getMessage();
        assertTrue(m.contains("host r740-03: BMC password: environment variable KDUMP_HARNESS_TEST_UNSET_PW is not set"), m);
        assertTrue(m.contains("SSH private key /nonexistent/key is missing"), m);
        assertTrue(m.contains("no pinned SSH host key"), m);
        assertTrue(m.contains("serial console device /dev/ttyNOPE9 does not exist"), m);
        assertTrue(m.contains("timeouts.evidence must be positive"), m);
        assertTrue(m.contains("--hang-after (60 s) must be shorter than timeouts.capture_kernel (50 s)"), m);
        assertTrue(m.contains("6 problem(s); nothing was touched"), m);
    }

    @Test
    public void aGroupReadablePasswordFileIsAWarningNotAnError() throws Exception {
        Path key = Files.createTempFile("key", "");
        Path pw = Files.createTempFile("pw", "");
        Files.writeString(pw, "x\n");
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-r-----"));
        TargetHost h = new TargetHost("h", new SshEndpoint("h", 22, "root", key, "SHA256:x", null),
                new BmcEndpoint("b", 623, "admin", Secret.fromFile(pw)),
                new ConsoleEndpoint(ConsoleEndpoint.Type.SOL, null, 115200, null, 0), null, "x", "/var/crash", null, null, null);
        PlanCheck.Report r = PlanCheck.check(h, Scenario.seed(), Duration.ofSeconds(60));
        assertTrue(r.ok(), r.problems().toString());
        assertEquals(r.warnings().size(), 1);
        assertTrue(r.warnings().get(0).contains("readable by its group (chmod 600 " + pw + ")"), r.warnings().toString());
    }
}
