package io.kdumplab.harness.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

public final class Hashing {
    private Hashing() {}

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256Hex(byte[] data) {
        return HexFormat.of().formatHex(sha256().digest(data));
    }

    public static String sha256Hex(Path file) {
        MessageDigest md = sha256();
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * OpenSSH's fingerprint of a public key line ("ssh-ed25519 AAAA... comment"):
     * "SHA256:" + unpadded base64 of the SHA-256 of the key blob.
     */
    public static String sshFingerprint(String publicKeyLine) {
        String[] parts = publicKeyLine.trim().split("\\s+");
        if (parts.length < 2) {
            throw new IllegalArgumentException("not an OpenSSH public key line: " + publicKeyLine);
        }
        byte[] blob = Base64.getDecoder().decode(parts[1]);
        return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(sha256().digest(blob));
    }
}
