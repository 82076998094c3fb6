package io.kdumplab.harness.device;

import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.support.FakeDevice;
import io.kdumplab.harness.wait.Deadline;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.time.Duration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/** The device handle's lifecycle: open in order, close in reverse, wrong-state calls name driver, call and state. */
@Test(groups = "unit")
public class DeviceTest {
    @Test
    public void aCallInTheWrongStateNamesTheDriverTheCallAndTheState() throws Exception {
        FakeDevice f = new FakeDevice();
        Device d = f.device("r740-03");
        IllegalStateException before = expectThrows(IllegalStateException.class, d::shell);
        assertEquals(before.getMessage(), "Device(r740-03).shell() called before openShell()");
        d.openShell(Deadline.in("ssh", Duration.ofSeconds(5)));
        d.openConsole(Files.createTempDirectory("dev"), m -> { });
        assertEquals(d.root("echo hi", Duration.ofSeconds(1)), "");
        d.close();
        d.close(); // twice is harmless
        IllegalStateException after = expectThrows(IllegalStateException.class, d::shell);
        assertEquals(after.getMessage(), "Device(r740-03).shell() called while the driver is CLOSED");
        IllegalStateException bmc = expectThrows(IllegalStateException.class, d::freshBmc);
        assertTrue(bmc.getMessage().contains("freshBmc() called while the driver is CLOSED"), bmc.getMessage());
    }

    @Test
    public void aBrokenDriverIsAnInfrastructureErrorNotABug() {
        DriverState s = new DriverState("SshShell", "ssh");
        s.opened();
        s.require("run");
        s.broken("'sleep 60' timed out");
        InfrastructureException e = expectThrows(InfrastructureException.class, () -> s.require("run"));
        assertEquals(e.component(), "ssh");
        assertTrue(e.getMessage().contains("SshShell.run(): the link was cut earlier ('sleep 60' timed out)"), e.getMessage());
        assertTrue(s.closed());
        IllegalStateException closed = expectThrows(IllegalStateException.class, () -> s.require("upload"));
        assertEquals(closed.getMessage(), "SshShell.upload() called while the driver is CLOSED");
    }

    @Test
    public void sudoIsWorkedOutOnceWhenTheShellOpens() {
        FakeDevice f = new FakeDevice();
        f.answers.put("id -u", c -> FakeDevice.ok(c, "1000"));
        Device d = f.device("h");
        d.openShell(Deadline.in("ssh", Duration.ofSeconds(5)));
        assertEquals(d.sudo(), "sudo -n ");
        assertEquals(d.asRoot("echo 'x' > /dev/kmsg"), "sudo -n sh -c 'echo '\\''x'\\'' > /dev/kmsg'");
        assertEquals(f.commands.stream().filter(c -> c.equals("id -u")).count(), 1L);
    }
}
