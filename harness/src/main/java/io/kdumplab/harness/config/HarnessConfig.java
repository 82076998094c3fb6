package io.kdumplab.harness.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.kdumplab.harness.failure.ConfigurationException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A machine's settings for the harness run as a service: `/etc/kdump-harness/harness.yaml` (or `$HARNESS_CONFIG`).
 * Every key is the default of a command-line option (the command line wins, then the environment, then this file);
 * relative paths are relative to the file. Every problem is named with file:line:column before anything runs.
 */
public record HarnessConfig(Path file, String database, String databaseUser, Path databasePasswordFile, Path inventory,
                            Path reports, String lab, String serveBind, Path serveTokenFile, String serveBasePath) {
    public static final Path DEFAULT_FILE = Path.of("/etc/kdump-harness/harness.yaml");
    private static final Set<String> TOP = Set.of("database", "database_user", "database_password_file", "inventory", "reports",
            "lab", "serve");
    private static final Set<String> SERVE = Set.of("bind", "token_file", "base_path");

    /** The file named by HARNESS_CONFIG (which must exist), else the default file if it exists, else none. */
    public static Optional<HarnessConfig> fromEnvironment(Map<String, String> env) {
        String named = env.get("HARNESS_CONFIG");
        if (named != null && !named.isBlank()) {
            Path f = Path.of(named);
            if (!Files.isRegularFile(f)) {
                throw new ConfigurationException("HARNESS_CONFIG names " + f + ", which does not exist",
                        "create it (see ./harness.sh docs deploy) or unset HARNESS_CONFIG");
            }
            return Optional.of(load(f));
        }
        return Files.isRegularFile(DEFAULT_FILE) ? Optional.of(load(DEFAULT_FILE)) : Optional.empty();
    }

    public static HarnessConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigurationException("cannot read " + file + ": " + e.getMessage(), "check the file and its permissions");
        }
        JsonNode root = YamlSource.syntax(file, text);
        SourceLocations loc = SourceLocations.scan(file, text);
        List<String> errors = new ArrayList<>();
        if (root == null || root.isNull() || root.isMissingNode()) {
            return new HarnessConfig(file, null, null, null, null, null, null, null, null, null);
        }
        if (!root.isObject()) {
            throw new ConfigurationException(loc.at("") + ": expected keys (database, inventory, reports, lab, serve, ...)",
                    "see ./harness.sh docs deploy for an example");
        }
        unknown(root, "", TOP, loc, errors);
        JsonNode serve = root.path("serve");
        if (!serve.isMissingNode() && !serve.isObject()) {
            errors.add(loc.at("/serve") + ": serve is a map: {bind, token_file, base_path}");
        } else if (serve.isObject()) {
            unknown(serve, "/serve", SERVE, loc, errors);
        }
        String database = text(root, "/database", loc, errors);
        if (database != null && !database.startsWith("jdbc:postgresql://")) {
            errors.add(loc.at("/database") + ": '" + database + "' is not a PostgreSQL JDBC URL (jdbc:postgresql://HOST:5432/DB)");
        }
        String lab = text(root, "/lab", loc, errors);
        if (lab != null && !lab.matches("[A-Za-z0-9._-]+")) {
            errors.add(loc.at("/lab") + ": lab '" + lab + "' may hold letters, digits, '.', '_' and '-' only");
        }
        String bind = text(root, "/serve/bind", loc, errors);
        if (bind != null && !bind.matches("\\[?[^\\]]+\\]?:\\d{1,5}")) {
            errors.add(loc.at("/serve/bind") + ": '" + bind + "' is not ADDR:PORT");
        }
        String basePath = text(root, "/serve/base_path", loc, errors);
        if (basePath != null && !basePath.matches("(/[A-Za-z0-9._-]+)+/?")) {
            errors.add(loc.at("/serve/base_path") + ": '" + basePath + "' is not a path like /harness");
        }
        HarnessConfig c = new HarnessConfig(file, database, text(root, "/database_user", loc, errors),
                path(file, text(root, "/database_password_file", loc, errors)), path(file, text(root, "/inventory", loc, errors)),
                path(file, text(root, "/reports", loc, errors)), lab, bind, path(file, text(root, "/serve/token_file", loc, errors)),
                basePath);
        if (!errors.isEmpty()) {
            throw new ConfigurationException(String.join("\n  ", errors), "fix " + file + " (or point HARNESS_CONFIG elsewhere)");
        }
        return c;
    }

    private static void unknown(JsonNode node, String at, Set<String> known, SourceLocations loc, List<String> errors) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                errors.add(loc.at(at + "/" + f) + ": unknown key '" + f + "' (expected one of " + new java.util.TreeSet<>(known)
                        + ")");
            }
        }
    }

    private static String text(JsonNode root, String pointer, SourceLocations loc, List<String> errors) {
        JsonNode n = root.at(pointer);
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (!n.isValueNode() || n.asText().isBlank()) {
            errors.add(loc.at(pointer) + ": expected a value");
            return null;
        }
        return n.asText();
    }

    private static Path path(Path file, String value) {
        if (value == null) {
            return null;
        }
        Path p = Path.of(value);
        return p.isAbsolute() ? p : file.toAbsolutePath().getParent().resolve(p).normalize();
    }
}
