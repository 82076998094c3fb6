package io.kdumplab.harness.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * troff man pages (man(7) macros) from the picocli model: one page per command, `harness-repro.1`,
 * `harness-lab-up.1`, ... Written here rather than with picocli-codegen, whose generator emits AsciiDoc and would
 * need asciidoctor (Ruby) to become a man page; the model already holds everything a page says.
 */
final class ManPages {
    private ManPages() {}

    /** File name (e.g. "harness-bisect-run.1") to page text, for the command and every subcommand. */
    static Map<String, String> all(CommandLine root, String date) {
        Map<String, String> pages = new LinkedHashMap<>();
        add(root, date, pages);
        return pages;
    }

    private static void add(CommandLine c, String date, Map<String, String> pages) {
        pages.put(fileName(c.getCommandSpec()), page(c, date));
        c.getSubcommands().values().stream().distinct().forEach(s -> add(s, date, pages));
    }

    static String fileName(CommandSpec spec) {
        return pageName(spec) + ".1";
    }

    /** "./harness.sh bisect run" -> "harness-bisect-run". */
    static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-").replaceFirst("^\\./harness\\.sh", "harness");
    }

    private static String page(CommandLine c, String date) {
        CommandSpec spec = c.getCommandSpec();
        StringBuilder m = new StringBuilder();
        m.append(".\\\" generated from the command line definition by ./harness.sh docs man; do not edit\n");
        m.append(".TH ").append(pageName(spec).toUpperCase()).append(" 1 \"").append(date)
                .append("\" \"nmi-kdump-harness\" \"NMI/kdump harness\"\n");
        m.append(".SH NAME\n").append(esc(pageName(spec))).append(" \\- ").append(esc(firstLine(spec))).append('\n');
        m.append(".SH SYNOPSIS\n.nf\n").append(esc(c.getHelp().synopsis(0).strip())).append("\n.fi\n");
        m.append(".SH DESCRIPTION\n");
        for (String d : spec.usageMessage().description()) {
            m.append(esc(format(d))).append('\n');
        }
        List<PositionalParamSpec> params = spec.positionalParameters();
        if (!params.isEmpty()) {
            m.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : params) {
                m.append(".TP\n.I ").append(esc(p.paramLabel())).append('\n')
                        .append(esc(format(String.join(" ", p.description())))).append('\n');
            }
        }
        if (!spec.options().isEmpty()) {
            m.append(".SH OPTIONS\n");
            for (OptionSpec o : spec.options()) {
                if (o.hidden()) {
                    continue;
                }
                List<String> names = new ArrayList<>(List.of(o.names()));
                String label = o.typeInfo().isBoolean() ? "" : " " + o.paramLabel();
                m.append(".TP\n.B ").append(esc(String.join(", ", names))).append(esc(label)).append('\n')
                        .append(esc(format(String.join(" ", o.description()).replace("${DEFAULT-VALUE}",
                                String.valueOf(o.defaultValue()))))).append('\n');
            }
        }
        if (!spec.subcommands().isEmpty()) {
            m.append(".SH COMMANDS\n");
            spec.subcommands().forEach((name, sub) -> {
                if (!name.equals(sub.getCommandName())) {
                    return; // an alias
                }
                m.append(".TP\n.B ").append(esc(name)).append('\n').append(esc(firstLine(sub.getCommandSpec())))
                        .append(" See \\fB").append(esc(pageName(sub.getCommandSpec()))).append("\\fR(1).\n");
            });
        }
        String[] footer = spec.root().usageMessage().footer();
        if (footer.length > 0) {
            m.append(".SH EXIT STATUS AND EXAMPLES\n.nf\n");
            for (String f : footer) {
                m.append(esc(f)).append('\n');
            }
            m.append(".fi\n");
        }
        if (spec.usageMessage().footer().length > 0 && spec != spec.root()) {
            m.append(".SH NOTES\n.nf\n");
            for (String f : spec.usageMessage().footer()) {
                m.append(esc(format(f))).append('\n');
            }
            m.append(".fi\n");
        }
        m.append(".SH SEE ALSO\n\\fBharness\\fR(1); the user's guide in docs/ of the source tree.\n");
        return m.toString();
    }

    private static String firstLine(CommandSpec spec) {
        String[] d = spec.usageMessage().description();
        return d.length == 0 ? spec.name() : format(d[0]).replaceAll("[:.]\\s*$", "") + ".";
    }

    /** picocli descriptions are format strings ("%n", "%%"). */
    private static String format(String s) {
        return s.replace("%n", "\n").replace("%%", "%");
    }

    /** troff: a backslash is an escape, a line starting with . or ' is a request. */
    static String esc(String s) {
        String t = s.replace("\\", "\\e").replace("-", "\\-");
        StringBuilder b = new StringBuilder();
        for (String line : t.split("\n", -1)) {
            if (line.startsWith(".") || line.startsWith("'")) {
                b.append("\\&");
            }
            b.append(line).append('\n');
        }
        return b.substring(0, b.length() - 1);
    }
}
