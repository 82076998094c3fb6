package io.kdumplab.harness.util;

import io.kdumplab.harness.failure.ConfigurationException;

import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

@Test(groups = "unit")
public class HashingTest {
    /** Our fingerprint must be OpenSSH's own, or pinning would never match. */
    @Test
    public void sshFingerprintMatchesSshKeygen() throws Exception {
        Path dir = Files.createTempDirectory("fp");
        Path key = dir.resolve("k");
        assertTrue(Processes.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()),
                Duration.ofSeconds(30), null).ok());
        String expected = Processes.run(List.of("ssh-keygen", "-l", "-E", "sha256", "-f", key + ".pub"),
                Duration.ofSeconds(30), null).output().split("\\s+")[1];
        assertEquals(Hashing.sshFingerprint(Files.readString(Path.of(key + ".pub"))), expected);
    }

    @Test
    public void secretsPrintAsTheirSourceOnly() throws Exception {
        Path f = Files.createTempFile("pw", "");
        Files.writeString(f, "hunter2\n");
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Secret s = Secret.fromFile(f);
        assertEquals(s.reveal(), "hunter2");
        assertTrue(!s.toString().contains("hunter2") && s.toString().contains(f.toString()));
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(org.testng.Assert.expectThrows(ConfigurationException.class, s::reveal).hint().contains("chmod 600"));
    }
}
