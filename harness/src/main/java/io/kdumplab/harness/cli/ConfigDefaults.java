package io.kdumplab.harness.cli;

import io.kdumplab.harness.config.HarnessConfig;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.Map;

/**
 * The configuration file's values as the defaults of the options they name. Precedence: the command line, then the
 * environment variable an option reads (HARNESS_DB_URL, HARNESS_REPORTS), then the file, then the built-in default.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
    private final HarnessConfig config;
    private final Map<String, String> env;

    ConfigDefaults(HarnessConfig config, Map<String, String> env) {
        this.config = config;
        this.env = env;
    }

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
        if (!(arg instanceof CommandLine.Model.OptionSpec o)) {
            return null;
        }
        String command = o.command() == null ? "" : o.command().name();
        return switch (o.longestName()) {
            case "--db" -> env.containsKey("HARNESS_DB_URL") ? null : config.database();
            case "--reports" -> env.containsKey("HARNESS_REPORTS") ? null : str(config.reports());
            case "--inventory" -> str(config.inventory());
            // only the "lab when no inventory is given" options (default "default"): never bench's own lab, never a
            // required --lab (nightly worker)
            case "--lab" -> io.kdumplab.harness.lab.LabSpec.DEFAULT_NAME.equals(o.defaultValue()) ? config.lab() : null;
            case "--bind" -> command.equals("serve") ? config.serveBind() : null;
            case "--token-file" -> command.equals("serve") ? str(config.serveTokenFile()) : null;
            case "--base-path" -> command.equals("serve") ? config.serveBasePath() : null;
            default -> null;
        };
    }

    private static String str(Path p) {
        return p == null ? null : p.toString();
    }
}
