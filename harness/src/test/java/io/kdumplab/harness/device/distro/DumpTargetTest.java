package io.kdumplab.harness.device.distro;

import io.kdumplab.harness.device.DumpTarget;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.testng.Assert.assertEquals;

/** The dump target as the host's own kdump configuration states it (Debian's kdump-tools, RHEL's kdump.conf). */
@Test(groups = "unit")
public class DumpTargetTest {
    private static DumpTarget debian(String file) throws Exception {
        // the real command, with the file the host would have: the shell evaluates it as kdump-tools does
        Path f = Files.createTempFile("kdump-tools", "");
        Files.writeString(f, file);
        DebianBackend b = new DebianBackend();
        String cmd = b.dumpTargetCommand().replace(DebianBackend.CONFIG, f.toString());
        Process p = new ProcessBuilder("sh", "-c", cmd).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return b.dumpTarget(out);
    }

    public void debianDefaultsToVarCrashAndFollowsCoredir() throws Exception {
        assertEquals(debian("USE_KDUMP=1\n#SSH=\"dump@server\"\n"), new DumpTarget(DumpTarget.Kind.LOCAL, "/var/crash",
                "/etc/default/kdump-tools KDUMP_COREDIR"));
        assertEquals(debian("KDUMP_COREDIR=\"/srv/dumps\"\n").location(), "/srv/dumps");
    }

    public void debianSshAndNfsTargetsAreRemote() throws Exception {
        DumpTarget ssh = debian("KDUMP_COREDIR=/var/crash\nSSH=\"kdump@dumpsrv.lab\"\nSSH_KEY=/root/.ssh/kdump_id_rsa\n");
        assertEquals(ssh.kind(), DumpTarget.Kind.SSH);
        assertEquals(ssh.location(), "kdump@dumpsrv.lab:/var/crash");
        assertEquals(ssh.remote(), "kdump@dumpsrv.lab");
        assertEquals(ssh.directory(), "/var/crash");
        assertEquals(ssh.sshKey(), "/root/.ssh/kdump_id_rsa");
        assertEquals(debian("SSH=kdump@d\nSSH_KEY=\"/etc/kdump/key\" # the lab's\n").sshKey(), "/etc/kdump/key");
        DumpTarget nfs = debian("NFS=\"nfs.lab:/export/crash\"\n");
        assertEquals(nfs.kind(), DumpTarget.Kind.NFS);
        assertEquals(nfs.location(), "nfs.lab:/export/crash");
    }

    public void rhelPathSshNfsAndDeviceTargets() {
        RhelBackend b = new RhelBackend();
        assertEquals(b.dumpTarget("# comment\ncore_collector makedumpfile -l --message-level 7 -d 31\n"),
                new DumpTarget(DumpTarget.Kind.LOCAL, "/var/crash", "/etc/kdump.conf path"));
        assertEquals(b.dumpTarget("path /var/crash/vmcores\n").location(), "/var/crash/vmcores");
        DumpTarget ssh = b.dumpTarget("ssh kdump@dumpsrv.lab\nsshkey /root/.ssh/kdump_id_rsa\npath /dumps\n");
        assertEquals(ssh.kind(), DumpTarget.Kind.SSH);
        assertEquals(ssh.location(), "kdump@dumpsrv.lab:/dumps");
        assertEquals(ssh.sshKey(), "/root/.ssh/kdump_id_rsa");
        assertEquals(ssh.directory(), "/dumps");
        assertEquals(b.dumpTarget("nfs nfs.lab:/export/crash\n").describe(), "nfs nfs.lab:/export/crash:/var/crash (/etc/kdump.conf nfs)");
        DumpTarget dev = b.dumpTarget("xfs UUID=0b1c-22\npath /crash\n");
        assertEquals(dev.kind(), DumpTarget.Kind.DEVICE);
        assertEquals(dev.location(), "xfs UUID=0b1c-22, path /crash");
        assertEquals(b.dumpTarget("#ssh kdump@dumpsrv.lab\n").kind(), DumpTarget.Kind.LOCAL, "a commented line is not a target");
    }
}
