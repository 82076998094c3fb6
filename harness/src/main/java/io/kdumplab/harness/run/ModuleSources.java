package io.kdumplab.harness.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The kernel modules' sources, shipped inside the jar, extracted for upload to the target. */
public final class ModuleSources {
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
            throw new UncheckedIOException(e);
        }
    }
}
