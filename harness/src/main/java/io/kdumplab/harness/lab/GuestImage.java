package io.kdumplab.harness.lab;

import io.kdumplab.harness.util.Hashing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A built, verified guest image in the cache, and what the build recorded. */
public record GuestImage(Path dir, String recipeHash, Map<String, String> manifest) {

    public static final String DISK = "disk.qcow2";

    public Path disk() {
        return dir.resolve(DISK);
    }

    public Path sshKey() {
        return dir.resolve("id_ed25519");
    }

    public Path hostKeyPub() {
        return dir.resolve("ssh_host_ed25519_key.pub");
    }

    public String hostKeyLine() {
        try {
            return Files.readString(hostKeyPub()).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String hostKeyFingerprint() {
        return Hashing.sshFingerprint(hostKeyLine());
    }

    public String kernel() {
        return manifest.getOrDefault("KERNEL", "");
    }

    public String rtKernel() {
        return manifest.getOrDefault("RT_KERNEL", "");
    }

    /** The kernels the build installed, by role (read from its manifest: what the image has, not what is pinned now). */
    public LabKernels kernels() {
        // EXTRA_KERNELS: images built before the pins file
        String v = manifest.getOrDefault("BISECT_KERNELS", manifest.getOrDefault("EXTRA_KERNELS", "")).replace("\"", "").strip();
        return new LabKernels(kernel(), rtKernel(), v.isEmpty() ? List.of() : List.of(v.split("\\s+")));
    }

    /** name=version of the pinned tool chain and kernels, as dpkg reported them in the image. */
    public String packageVersions() {
        return manifest.getOrDefault("PACKAGE_VERSIONS", "").replace("\"", "").strip();
    }

    static Map<String, String> readManifest(Path file) {
        Map<String, String> m = new LinkedHashMap<>();
        try {
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file)) {
                    int eq = line.indexOf('=');
                    if (eq > 0) {
                        m.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }
}
