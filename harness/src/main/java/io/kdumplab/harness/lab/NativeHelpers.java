package io.kdumplab.harness.lab;

import io.kdumplab.harness.util.AtomicFiles;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.util.Hashing;
import io.kdumplab.harness.util.Processes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The lab's two host-side C helpers from modules-c/, compiled on first use and
 * cached by source hash: the ipmi_sim plugin (chassis power diag -> NMI) and
 * the console relay (the rate-limited serial line).
 */
public final class NativeHelpers {
    static final String PLUGIN_SRC = "modules-c/ipmi_sim_diag/ipmi_sim_diag.c";
    static final String RELAY_SRC = "modules-c/console_relay/console_relay.c";

    public record Built(Path diagPlugin, Path consoleRelay) {}

    private final Path cacheRoot;

    public NativeHelpers(Path cacheRoot) {
        this.cacheRoot = cacheRoot;
    }

    public Built ensureBuilt() {
        byte[] plugin = ImageRecipe.read(PLUGIN_SRC);
        byte[] relay = ImageRecipe.read(RELAY_SRC);
        String hash = Hashing.sha256Hex((Hashing.sha256Hex(plugin) + Hashing.sha256Hex(relay)).getBytes()).substring(0, 16);
        Path dir = cacheRoot.resolve(hash);
        Built built = new Built(dir.resolve("ipmi_sim_diag.so"), dir.resolve("console_relay"));
        if (Files.isExecutable(built.consoleRelay()) && Files.exists(built.diagPlugin())) {
            return built;
        }
        try {
            Files.createDirectories(dir);
            Path src = Files.createDirectories(dir.resolve("src"));
            Files.write(src.resolve("ipmi_sim_diag.c"), plugin);
            Files.write(src.resolve("console_relay.c"), relay);
            compile(List.of("gcc", "-O2", "-Wall", "-shared", "-fPIC", "-o", built.diagPlugin() + ".tmp",
                    src.resolve("ipmi_sim_diag.c").toString()), built.diagPlugin());
            compile(List.of("gcc", "-O2", "-Wall", "-o", built.consoleRelay() + ".tmp",
                    src.resolve("console_relay.c").toString()), built.consoleRelay());
            AtomicFiles.write(dir.resolve("SOURCES"), PLUGIN_SRC + "\n" + RELAY_SRC + "\n");
            return built;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void compile(List<String> cmd, Path output) throws IOException {
        Processes.Outcome o = Processes.run(cmd, Duration.ofMinutes(2), null);
        if (!o.ok()) {
            throw new ConfigurationException("building " + output.getFileName() + " failed:\n" + o.output().strip(),
                    "the lab needs gcc and libopenipmi-dev: apt-get install -y gcc libopenipmi-dev");
        }
        Files.move(Path.of(output + ".tmp"), output, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
