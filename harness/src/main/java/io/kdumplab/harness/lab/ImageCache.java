package io.kdumplab.harness.lab;

import io.kdumplab.harness.util.AtomicFiles;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.util.Hashing;
import io.kdumplab.harness.failure.InfrastructureException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Guest images keyed by recipe hash. An entry is complete only when its
 * disk checksum file exists (written after the build); a use verifies the
 * checksum unless the disk is provably untouched since its last verification
 * ({@link VerifiedStamp}), and a corrupted entry is removed and rebuilt.
 */
public final class ImageCache {
    private static final String CHECKSUM = "disk.sha256";

    private final Path root;
    private final Consumer<String> progress;
    private final Duration buildTimeout;

    public ImageCache(Path root, Consumer<String> progress, Duration buildTimeout) {
        this.root = root;
        this.progress = progress;
        this.buildTimeout = buildTimeout;
    }

    /** Returns a verified image for the recipe, building it when absent or corrupted. */
    public GuestImage ensure(ImageRecipe recipe) {
        String hash = recipe.hash();
        Path dir = root.resolve(recipe.name() + "-" + hash);
        try {
            Files.createDirectories(root);
            try (FileChannel lockCh = FileChannel.open(root.resolve(recipe.name() + "-" + hash + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockCh.lock()) {
                if (Files.exists(dir.resolve(CHECKSUM))) {
                    String expected = Files.readString(dir.resolve(CHECKSUM)).trim();
                    Path disk = dir.resolve(GuestImage.DISK);
                    if (VerifiedStamp.holds(dir, disk, expected)) {
                        return new GuestImage(dir, hash, GuestImage.readManifest(dir.resolve("manifest.env")));
                    }
                    progress.accept("verifying cached image " + dir.getFileName() + " (sha256)");
                    VerifiedStamp seen = Files.exists(disk) ? VerifiedStamp.before(disk) : null;
                    String actual = seen != null ? Hashing.sha256Hex(disk) : "missing";
                    if (expected.equals(actual)) {
                        seen.recordIfUntouched(dir, disk, actual);
                        return new GuestImage(dir, hash, GuestImage.readManifest(dir.resolve("manifest.env")));
                    }
                    progress.accept("cached image " + dir + " is corrupted (sha256 " + shortHash(actual)
                            + ", expected " + shortHash(expected) + "): removing it and building it again");
                }
                deleteTree(dir);
                build(recipe, dir);
                return new GuestImage(dir, hash, GuestImage.readManifest(dir.resolve("manifest.env")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("image cache " + root, e);
        }
    }

    /** True when an entry for the recipe exists (unverified): tells "cold" from "cached". */
    public boolean isCached(ImageRecipe recipe) {
        return Files.exists(root.resolve(recipe.name() + "-" + recipe.hash()).resolve(CHECKSUM));
    }

    private static String shortHash(String h) {
        return h.length() > 12 ? h.substring(0, 12) : h;
    }

    private void build(ImageRecipe recipe, Path dir) throws IOException {
        Path building = root.resolve("." + dir.getFileName() + ".building");
        deleteTree(building);
        Files.createDirectories(building);
        Path scripts = Files.createDirectories(building.resolve("recipe"));
        Path entry = recipe.extractTo(scripts);
        Path log = building.resolve("build.log");
        progress.accept("building guest image " + dir.getFileName() + " (log: " + dir.resolve("build.log") + ")");
        long t0 = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder("bash", entry.toString(), building.toString())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(recipe.environment());
        Process p = pb.start();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 Writer w = Files.newBufferedWriter(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                String line;
                while ((line = r.readLine()) != null) {
                    w.write(line);
                    w.write('\n');
                    w.flush();
                    if (line.startsWith("[image") || line.startsWith("ERROR")) {
                        progress.accept(line);
                    }
                }
            } catch (IOException ignored) {
                // the build's exit code tells
            }
        }, "image-build-log");
        pump.start();
        try {
            if (!p.waitFor(buildTimeout.toSeconds(), TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new InfrastructureException("image", "image build timed out after " + buildTimeout.toMinutes()
                        + " min", "see " + log);
            }
            pump.join(5000);
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InfrastructureException("image", "image build interrupted", "run the command again");
        }
        int rc = p.exitValue();
        if (rc != 0) {
            List<String> tail = tail(log, 15);
            String msg = "image build failed (exit " + rc + "); last lines:\n    " + String.join("\n    ", tail);
            if (rc == 3) {
                throw new ConfigurationException(msg, "install what the message names, then run again; full log " + log);
            }
            throw new InfrastructureException("image", msg, "full log: " + log);
        }
        progress.accept("hashing the new image");
        Path disk = building.resolve(GuestImage.DISK);
        VerifiedStamp seen = VerifiedStamp.before(disk);
        String checksum = Hashing.sha256Hex(disk);
        AtomicFiles.write(building.resolve(CHECKSUM), checksum + "\n");
        deleteTree(scripts);
        Files.move(building, dir);
        seen.recordIfUntouched(dir, dir.resolve(GuestImage.DISK), checksum);
        progress.accept(String.format("guest image built in %.0f s", (System.nanoTime() - t0) / 1e9));
    }

    private static List<String> tail(Path file, int n) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return all.subList(Math.max(0, all.size() - n), all.size());
        } catch (IOException e) {
            return List.of("(no log: " + e.getMessage() + ")");
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
