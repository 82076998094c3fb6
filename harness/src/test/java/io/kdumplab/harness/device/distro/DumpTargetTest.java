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
        assertEquals(nfs.remote(), "nfs.lab:/export/crash", "the share kdump-tools mounts on KDUMP_COREDIR");
        assertEquals(nfs.directory(), "", "the dumps lie at its top");
    }

    private static DumpTarget suse(String file) throws Exception {
        // /etc/sysconfig/kdump as SLES ships it, read by the real command through a shell, as kdump reads it
        Path f = Files.createTempFile("sysconfig-kdump", "");
        Files.writeString(f, file);
        SuseBackend b = new SuseBackend();
        Process p = new ProcessBuilder("sh", "-c", b.dumpTargetCommand().replace(SuseBackend.CONFIG, f.toString())).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return b.dumpTarget(out);
    }

    public void suseSavedirUrlsLocalSshNfsAndTransportsTheHarnessDoesNotRead() throws Exception {
        assertEquals(suse("## Type:\tstring\nKDUMP_SAVEDIR=\"/var/crash\"\n"), new DumpTarget(DumpTarget.Kind.LOCAL, "/var/crash",
                "/etc/sysconfig/kdump KDUMP_SAVEDIR"));
        assertEquals(suse("KDUMP_SAVEDIR=\"file:///srv/crash\"\n").location(), "/srv/crash");
        assertEquals(suse("KDUMP_SAVEDIR=\"\"\n").location(), "/var/crash", "empty: the default");
        DumpTarget ssh = suse("KDUMP_SAVEDIR=\"ssh://kdump@dumpsrv.lab/var/crash\"\nKDUMP_SSH_IDENTITY=\"/root/.ssh/id_ed25519\"\n");
        assertEquals(ssh.kind(), DumpTarget.Kind.SSH);
        assertEquals(ssh.remote(), "kdump@dumpsrv.lab");
        assertEquals(ssh.directory(), "/var/crash");
        assertEquals(ssh.sshKey(), "/root/.ssh/id_ed25519");
        assertEquals(ssh.hostLoginCheck(), "ssh -i /root/.ssh/id_ed25519 -o BatchMode=yes -o ConnectTimeout=10 kdump@dumpsrv.lab true");
        DumpTarget sftp = suse("KDUMP_SAVEDIR=\"sftp://dumpsrv.lab:22/dumps\"\nKDUMP_SSH_IDENTITY=\"\"\n");
        assertEquals(sftp.remote(), "root@dumpsrv.lab", "no user: root, as kdumptool logs in");
        assertEquals(sftp.sshKey(), null, "no identity: the ssh client's own choice of root's keys");
        assertEquals(sftp.hostLoginCheck(), "ssh -o BatchMode=yes -o ConnectTimeout=10 root@dumpsrv.lab true");
        assertEquals(suse("KDUMP_SAVEDIR=\"ssh://kdump@dumpsrv.lab:2222/crash\"\n").kind(), DumpTarget.Kind.OTHER,
                "another port: not what the harness's login check would try");
        DumpTarget nfs = suse("KDUMP_SAVEDIR=\"nfs://nfs.lab/export/crash\"\n");
        assertEquals(nfs.kind(), DumpTarget.Kind.NFS);
        assertEquals(nfs.location(), "nfs.lab:/export/crash");
        assertEquals(nfs.remote(), "nfs.lab:/export/crash");
        assertEquals(nfs.directory(), "");
        assertEquals(suse("KDUMP_SAVEDIR=\"ftp://user@ftp.lab/crash\"\n").kind(), DumpTarget.Kind.OTHER);
        assertEquals(suse("KDUMP_SAVEDIR=\"cifs://filer.lab/share/crash\"\n").kind(), DumpTarget.Kind.OTHER);
    }

    public void suseDumpsLieInTimeNamedDirectoriesWithoutAnIncompleteMarker() {
        var layout = new SuseBackend().dumpLayout();
        assertEquals(layout.dumps(), java.util.List.of("vmcore"));
        assertEquals(layout.dmesg(), java.util.List.of("dmesg.txt"));
        assertEquals(layout.incomplete(), java.util.List.of());
        assertEquals(layout.dirsNamedAfterHost(), false);
        assertEquals(new DebianBackend().dumpLayout().dirsNamedAfterHost(), true);
        assertEquals(new RhelBackend().dumpLayout().dirsNamedAfterHost(), true);
    }

    public void suseCommandLineAndHeaders() {
        SuseBackend b = new SuseBackend();
        assertEquals(b.headersInstallCommand("6.4.0-150600.23.25-default"), "zypper install kernel-default-devel-6.4.0-150600.23.25");
        assertEquals(b.addKernelArgsCommand("crashkernel=256M"), "sed -i '/# written by the NMI\\/kdump harness$/d' /etc/default/grub"
                + " && printf '%s\\n' 'GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=256M\" # written by the"
                + " NMI/kdump harness' >> /etc/default/grub && grub2-mkconfig -o /boot/grub2/grub.cfg 2>&1 | tail -n 3");
        assertEquals(b.kdumpTool(), "kdumptool");
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
        assertEquals(b.dumpTarget("nfs nfs.lab:/export/crash\n").remote(), "nfs.lab:/export/crash");
        assertEquals(b.dumpTarget("nfs nfs.lab:/export/crash\npath /vmcores\n").directory(), "/vmcores", "path: inside the export");
        DumpTarget dev = b.dumpTarget("xfs UUID=0b1c-22\npath /crash\n");
        assertEquals(dev.kind(), DumpTarget.Kind.DEVICE);
        assertEquals(dev.location(), "xfs UUID=0b1c-22, path /crash");
        assertEquals(b.dumpTarget("#ssh kdump@dumpsrv.lab\n").kind(), DumpTarget.Kind.LOCAL, "a commented line is not a target");
    }
}
