package io.kdumplab.harness.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The kernel modules' sources, shipped inside the jar, extracted for upload to the target; where their builds are cached. */
public final class ModuleSources {
    /** On the host, outside /tmp (cleared at boot): MODULE/KERNEL-SOURCEHASH/MODULE.ko. */
    public static final String HOST_CACHE = "/var/cache/kdump-harness/modules";

    public static final List<String> SPAMMER = List.of("printk_spammer.c", "Kbuild", "Makefile");
    public static final List<String> WEDGE = List.of("panic_wedge.c", "Kbuild", "Makefile");

    private ModuleSources() {}

    /** Writes modules-c/NAME/{files} into dir/NAME and returns that directory. */
    public static Path extract(String module, List<String> files, Path dir) {
        Path out = dir.resolve(module);
        try {
            Files.createDirectories(out);
            for (String f : files) {
                String res = "modules-c/" + module + "/" + f;
                try (InputStream in = ModuleSources.class.getClassLoader().getResourceAsStream(res)) {
                    if (in == null) {
                        throw new IllegalStateException("module source missing from the jar: " + res);
                    }
                    Files.write(out.resolve(f), in.readAllBytes());
                }
            }
            return out;
        } catch (IOException e) {
            // the orchestrator's own disk (full, read-only): infrastructure, never a harness bug
            throw new io.kdumplab.harness.failure.InfrastructureException("orchestrator", "cannot write the module sources to "
                    + out + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")",
                    "free space on the reports filesystem (" + ReportsStorage.usableBytes(dir) / 1024 + " KiB free)", e);
        }
    }

    /** The host's cache directory for this module built from these sources (as extracted) against this kernel. */
    public static String cacheDir(String module, String kernel, Path extracted) {
        return HOST_CACHE + "/" + module + "/" + kernel + "-" + sourceHash(extracted).substring(0, 16);
    }

    /**
     * The source hash of a module as this jar ships it: the key the lab's guest image prebuilds its cache under, so
     * a run on the lab finds the module built (a changed source is a new key, and a new image).
     */
    public static String shippedHash(String module, List<String> files) {
        java.util.SortedMap<String, byte[]> content = new java.util.TreeMap<>();
        for (String f : files) {
            String res = "modules-c/" + module + "/" + f;
            try (InputStream in = ModuleSources.class.getClassLoader().getResourceAsStream(res)) {
                if (in == null) {
                    throw new IllegalStateException("module source missing from the jar: " + res);
                }
                content.put(f, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return hash(content).substring(0, 16);
    }

    /** SHA-256 over the module's files, in a fixed order, names included. */
    static String sourceHash(Path dir) {
        java.util.SortedMap<String, byte[]> content = new java.util.TreeMap<>();
        try {
            for (String f : List.of(dir.toFile().list())) {
                content.put(f, Files.readAllBytes(dir.resolve(f)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return hash(content);
    }

    private static String hash(java.util.SortedMap<String, byte[]> content) {
        var md = io.kdumplab.harness.util.Hashing.sha256();
        content.forEach((name, bytes) -> {
            md.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(bytes);
        });
        StringBuilder hex = new StringBuilder();
        for (byte b : md.digest()) {
            hex.append(String.format("%02x", b));
        }
        return hex.toString();
    }
}
