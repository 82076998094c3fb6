package io.kdumplab.harness.run;

import io.kdumplab.harness.support.FakeDevice;
import org.testng.annotations.Test;

import java.nio.file.Files;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/** `host check` over the fake device: a ready host, one without a crash-kernel reservation, one that is down. */
@Test(groups = "unit")
public class HostCheckTest {
    private static final String MEM_AND_KDUMP = "/proc/meminfo; cat /sys/kernel/kexec_crash_size";

    private static FakeDevice host(String reserved, String loaded, String cmdline) {
        FakeDevice f = ReproRunTest.healthyHost();
        f.answers.put(MEM_AND_KDUMP, c -> FakeDevice.ok(c, "2147483648\n" + reserved + "\n" + loaded + "\n" + cmdline));
        f.answers.put("command -v kdump-config", c -> FakeDevice.ok(c, "/usr/sbin/kdump-config"));
        f.answers.put("kdump-tools 2>/dev/null; printf", c -> FakeDevice.ok(c, "coredir=/var/crash\nssh=\nnfs="));
        f.answers.put("df -B1", c -> FakeDevice.ok(c, "12000000000\n2147483648"));
        return f;
    }

    private static HostCheck.Report check(FakeDevice f) throws Exception {
        return HostCheck.check(ReproRunTest.host(), f.device("fake-host"), Files.createTempDirectory("check"));
    }

    private static HostCheck.Item item(HostCheck.Report r, String name) {
        return r.items().stream().filter(i -> i.check().equals(name)).findFirst().orElseThrow(() -> new AssertionError(name + ": " + r));
    }

    @Test
    public void aReadyHostPassesEveryCheckAndChangesNothing() throws Exception {
        FakeDevice f = host("201326592", "1", "root=/dev/sda1 console=ttyS0 crashkernel=192M");
        HostCheck.Report r = check(f);
        assertTrue(r.ready(), r.toString());
        assertEquals(r.exitCode(), 0);
        assertEquals(item(r, "crash kernel reservation").detail(), "192 MiB reserved of 2048 MiB");
        assertTrue(item(r, "dump target").detail().startsWith("local /var/crash, "), item(r, "dump target").detail());
        assertTrue(item(r, "bmc").detail().contains("NMI offered"), item(r, "bmc").detail());
        assertEquals(f.nmis.size(), 0);
        assertTrue(f.commands.stream().noneMatch(c -> c.contains("sysctl -qw") || c.contains("insmod") || c.contains("grub")),
                "read-only but for the kernel-log marker: " + f.commands);
    }

    @Test
    public void anNfsTargetIsCheckedByMountingItAsTheCaptureKernelWillAndARootSquashIsAProblem() throws Exception {
        FakeDevice f = host("201326592", "1", "root=/dev/sda1 console=ttyS0 crashkernel=192M");
        f.answers.put("kdump-tools 2>/dev/null; printf", c -> FakeDevice.ok(c, "coredir=/var/crash\nssh=\nnfs=filer:/crash"));
        f.answers.put("mount -t nfs -o rw,", c -> FakeDevice.ok(c,
                "mounted=yes\nexists=yes\nwritable=yes\nserver_now=1\nhost_now=1\nfree_kib=5000"));
        HostCheck.Item ok = item(check(f), "dump target");
        assertEquals(ok.status(), HostCheck.Status.OK, ok.toString());
        assertEquals(ok.detail(), "nfs filer:/crash, mounted from fake-host, root writes there, 5000 KiB free");
        f.answers.put("mount -t nfs -o rw,", c -> FakeDevice.ok(c, "mounted=yes\nexists=yes\nwritable=no\nfree_kib=5000"));
        HostCheck.Item squashed = item(check(f), "dump target");
        assertEquals(squashed.status(), HostCheck.Status.PROBLEM);
        assertEquals(squashed.detail(), "root on fake-host cannot write in filer:/crash (a root-squashing export?)");
    }

    @Test
    public void noCrashKernelReservationIsAProblemWithWhatToDo() throws Exception {
        HostCheck.Report r = check(host("0", "0", "root=/dev/sda1 console=ttyS0"));
        assertEquals(r.exitCode(), 2, r.toString());
        HostCheck.Item res = item(r, "crash kernel reservation");
        assertEquals(res.status(), HostCheck.Status.PROBLEM);
        assertTrue(res.detail().startsWith("no crashkernel= on the command line"), res.detail());
        assertTrue(res.fix().contains("a run configures it"), res.fix());
        assertEquals(item(r, "capture kernel").status(), HostCheck.Status.PROBLEM);
    }

    @Test
    public void aHostThatIsDownIsUnreachableAndItsBmcIsStillAsked() throws Exception {
        FakeDevice f = host("201326592", "1", "crashkernel=192M");
        f.hostDown = true;
        HostCheck.Report r = check(f);
        assertEquals(r.exitCode(), 125, r.toString());
        assertEquals(item(r, "ssh").status(), HostCheck.Status.UNREACHABLE);
        assertEquals(item(r, "bmc").status(), HostCheck.Status.OK, "the BMC answers for a host that is down");
    }
}
