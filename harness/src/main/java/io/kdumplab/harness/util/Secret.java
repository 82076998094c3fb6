package io.kdumplab.harness.util;

import io.kdumplab.harness.failure.ConfigurationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * A password read from a file or an environment variable at the moment of
 * use. It prints as its source, never as its value, so it cannot leak into
 * logs, reports or process arguments by accident.
 */
public final class Secret {
    private final String source;
    private final java.util.function.Supplier<String> reader;
    private final Path file;

    private Secret(String source, java.util.function.Supplier<String> reader, Path file) {
        this.source = source;
        this.reader = reader;
        this.file = file;
    }

    /** The password file, when the secret comes from one (for permission checks before a run). */
    public java.util.Optional<Path> file() {
        return java.util.Optional.ofNullable(file);
    }

    public static Secret fromFile(Path file) {
        return new Secret("file " + file, () -> {
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
                if (perms.contains(PosixFilePermission.OTHERS_READ)) {
                    throw new ConfigurationException("password file " + file + " is readable by everyone",
                            "chmod 600 " + file);
                }
                return Files.readString(file).strip();
            } catch (IOException e) {
                throw new ConfigurationException("cannot read password file " + file + ": " + e.getMessage(),
                        "create it (chmod 600) or point the inventory at the right file");
            }
        }, file);
    }

    public static Secret fromEnv(String variable) {
        return new Secret("environment variable " + variable, () -> {
            String v = System.getenv(variable);
            if (v == null || v.isEmpty()) {
                throw new ConfigurationException("environment variable " + variable + " is not set",
                        "export " + variable + "=... before running, or use a password file");
            }
            return v;
        }, null);
    }

    public String reveal() {
        return reader.get();
    }

    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "<secret from " + source + ">";
    }
}
