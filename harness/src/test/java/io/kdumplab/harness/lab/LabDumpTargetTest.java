package io.kdumplab.harness.lab;

import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.expectThrows;

/** The lab's dump-target block in /etc/default/kdump-tools comes out whole, leaving the admin's lines as they were. */
@Test(groups = "unit")
public class LabDumpTargetTest {
    public void theMarkedBlockIsRemovedAndNothingElse() throws Exception {
        Path f = Files.createTempFile("kdump-tools", "");
        String admin = "USE_KDUMP=1\n#SSH=\"old@server\"\nKDUMP_COREDIR=\"/var/crash\"\n";
        Files.writeString(f, admin + LabDumpTarget.BEGIN + "\nSSH=\"kdump-dumps@kdump-dumpsrv\"\nKDUMP_COREDIR=\"/x\"\n"
                + LabDumpTarget.END + "\n");
        Process p = new ProcessBuilder("sh", "-c", LabDumpTarget.removeBlock().replace("/etc/default/kdump-tools", f.toString()))
                .start();
        assertEquals(p.waitFor(), 0);
        assertEquals(Files.readString(f), admin);
    }

    public void anUnknownTargetIsAnInputError() {
        assertEquals(LabDumpTarget.parse("SSH"), LabDumpTarget.Kind.SSH);
        assertEquals(LabDumpTarget.parse("nfs"), LabDumpTarget.Kind.NFS);
        var e = expectThrows(io.kdumplab.harness.failure.ConfigurationException.class, () -> LabDumpTarget.parse("ftp"));
        assertEquals(e.hint(), "use 'ssh', 'nfs' or 'local'");
    }
}
