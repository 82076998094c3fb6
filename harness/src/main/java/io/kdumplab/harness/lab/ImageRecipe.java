package io.kdumplab.harness.lab;

import io.kdumplab.harness.run.ModuleSources;
import io.kdumplab.harness.util.Hashing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A build script and its inputs, kept as classpath resources. The cache key
 * is the hash of every input, so editing the recipe makes a new image.
 */
public record ImageRecipe(String name, String entryResource, List<String> resources, Map<String, String> environment,
                          ImagePins pins) {

    /** The virtual lab's Debian guest. */
    public static ImageRecipe debianGuest() {
        // the spammer prebuilt for every kernel of the image, where a run caches the one it builds: each kernel's
        // first run on a fresh lab would otherwise build it on the TCG guest (~20 s, five times a suite)
        List<String> resources = new java.util.ArrayList<>(List.of("lab/image/build-image.sh"));
        for (String f : ModuleSources.SPAMMER) {
            resources.add("modules-c/printk_spammer/" + f);
        }
        return new ImageRecipe("debian-bookworm-kdump", "lab/image/build-image.sh", List.copyOf(resources),
                Map.of("PREBUILT_MODULES", "printk_spammer:" + ModuleSources.shippedHash("printk_spammer", ModuleSources.SPAMMER),
                        "MODULE_CACHE", ModuleSources.HOST_CACHE),
                ImagePins.fromResource("lab/image/pins.env"));
    }

    /** The same recipe with one pin moved (what editing pins.env does). */
    public ImageRecipe withPin(String key, String value) {
        return new ImageRecipe(name, entryResource, resources, environment, pins.with(key, value));
    }

    public String hash() {
        StringBuilder all = new StringBuilder(name).append('\n');
        for (String r : resources) {
            all.append(r).append('\n').append(Hashing.sha256Hex(read(r))).append('\n');
        }
        if (pins != null) {
            all.append(pins.resource()).append('\n')
                    .append(Hashing.sha256Hex(pins.text().getBytes(StandardCharsets.UTF_8))).append('\n');
        }
        new TreeMap<>(environment).forEach((k, v) -> all.append(k).append('=').append(v).append('\n'));
        return Hashing.sha256Hex(all.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    /** Copies the recipe's files into dir, returning the entry script's path. */
    public Path extractTo(Path dir) {
        try {
            for (String r : resources) {
                Path target = dir.resolve(r);
                Files.createDirectories(target.getParent());
                Files.write(target, read(r));
                if (r.endsWith(".sh")) {
                    target.toFile().setExecutable(true);
                }
            }
            if (pins != null) {
                Path target = dir.resolve(pins.resource());
                Files.createDirectories(target.getParent());
                Files.writeString(target, pins.text());
            }
            return dir.resolve(entryResource);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(String resource) {
        try (InputStream in = ImageRecipe.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("recipe resource missing from the jar: " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
