package io.kdumplab.harness.cli;

import org.testng.annotations.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/** The command line as users meet it: exit codes and messages for bad input (no lab needed). */
@Test(groups = "unit")
public class CliTest {
    record Outcome(int code, String out, String err) {}

    static Outcome run(String... args) {
        CommandLine cl = Cli.create();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    @Test
    public void everyCommandsHelpRendersWithoutFormatWarnings() {
        // descriptions are format strings: a bare "100%" makes picocli warn on stderr and print the raw text
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        System.setErr(new java.io.PrintStream(captured, true));
        java.util.List<String> rendered = new java.util.ArrayList<>();
        try {
            java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(Cli.create()));
            while (!todo.isEmpty()) {
                CommandLine c = todo.pop();
                c.getUsageMessage(CommandLine.Help.Ansi.OFF);
                rendered.add(c.getCommandSpec().qualifiedName());
                todo.addAll(c.getSubcommands().values());
            }
        } finally {
            System.setErr(saved);
        }
        assertTrue(rendered.size() > 10, "walked the command tree: " + rendered);
        assertTrue(!captured.toString().contains("WARN"), captured.toString());
    }

    @Test
    public void everyExampleInTheHelpParsesAndNamesTheLauncher() {
        java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(Cli.create()));
        java.util.List<String> examples = new java.util.ArrayList<>();
        while (!todo.isEmpty()) {
            CommandLine c = todo.pop();
            String help = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
            assertTrue(!help.matches("(?s).*\\./harness [a-z].*"), c.getCommandSpec().qualifiedName()
                    + "'s help names ./harness without .sh:\n" + help);
            for (String line : help.split("\n")) {
                String t = line.strip();
                if (t.startsWith("./harness.sh ")) {
                    // the command ends where the description starts (two or more spaces)
                    String command = t.split("\\s{2,}")[0];
                    examples.add(command);
                    String[] args = command.substring("./harness.sh ".length()).split(" ");
                    try {
                        Cli.create().parseArgs(args);
                    } catch (CommandLine.ParameterException e) {
                        throw new AssertionError("the example '" + command + "' in " + c.getCommandSpec().qualifiedName()
                                + "'s help does not parse: " + e.getMessage(), e);
                    }
                }
            }
            todo.addAll(c.getSubcommands().values());
        }
        assertTrue(examples.size() >= 5, "found the examples: " + examples);
    }

    @Test
    public void anUnknownCommandWithHelpIsAUsageErrorNotTheRootHelp() {
        Outcome o = run("dashboard", "--help");
        assertEquals(o.code(), ExitCodes.USAGE, o.out() + o.err());
        assertTrue(o.err().contains("unknown command or argument 'dashboard' for './harness.sh'"), o.err());
        assertTrue(!o.out().contains("Usage:"), "no root help: " + o.out());
        Outcome sub = run("lab", "sttus");
        assertEquals(sub.code(), ExitCodes.USAGE);
        assertTrue(sub.err().contains("lab status"), "suggests the command: " + sub.err());
    }

    @Test
    public void malformedInventoryIsAUsageErrorWithFileLineColumn() throws Exception {
        Path inv = Files.createTempFile("inv", ".yaml");
        Files.writeString(inv, "hosts:\n  - name: a\n    bmc: {host: b, user: u, pasword_env: X}\n");
        Outcome o = run("repro", "-i", inv.toString(), "--quiet");
        assertEquals(o.code(), ExitCodes.USAGE, o.err());
        assertTrue(o.err().contains(inv + ":3:"), o.err());
        assertTrue(o.err().contains("unknown field 'pasword_env'"), o.err());
        assertTrue(o.err().contains("password_env"), "says what is expected: " + o.err());
    }

    @Test
    public void missingInventoryFileIsExplained() {
        Outcome o = run("repro", "-i", "/nonexistent/lab.yaml", "--quiet");
        assertEquals(o.code(), ExitCodes.USAGE);
        assertTrue(o.err().contains("cannot read inventory /nonexistent/lab.yaml"), o.err());
    }

    @Test
    public void badScenarioValuesAreRejectedBeforeAnythingRuns() throws Exception {
        Path sc = Files.createTempFile("sc", ".yaml");
        Files.writeString(sc, "nmi: {count: 0}\nspammer: {threads: 100}\n");
        Outcome o = run("repro", "-s", sc.toString(), "--quiet");
        assertEquals(o.code(), ExitCodes.USAGE, o.err());
        assertTrue(o.err().contains("spammer.threads must be 1..64, got 100"), o.err());
        assertTrue(o.err().contains("nmi.count must be 1..10, got 0"), o.err());
        Files.writeString(sc, "nmi: {count: 2}\nspamer: {threads: 1}\n");
        Outcome o2 = run("repro", "-s", sc.toString(), "--quiet");
        assertEquals(o2.code(), ExitCodes.USAGE);
        assertTrue(o2.err().contains(sc + ":2:") && o2.err().contains("unknown field 'spamer'"), o2.err());
    }

    @Test
    public void unknownControlAndReportOfMissingDirectory() {
        Outcome o = run("repro", "--control", "sysrq-x", "--quiet");
        assertEquals(o.code(), ExitCodes.USAGE);
        assertTrue(o.err().contains("use --control sysrq-c or --control nmi-watchdog-0"), o.err());
        Outcome r = run("report", "/nonexistent/run");
        assertEquals(r.code(), ExitCodes.USAGE);
        assertTrue(r.err().contains("run directory /nonexistent/run does not exist"), r.err());
    }

    @Test
    public void helpShowsExitCodesAndExamples() {
        Outcome o = run("repro", "--help");
        assertEquals(o.code(), 0);
        assertTrue(o.out().contains("125 INFRA_ERROR or"), o.out());
        assertTrue(o.out().contains("./harness.sh repro --control sysrq-c"), o.out());
    }

    @Test
    public void gitRunNeverTurnsUsageErrorsIntoBadCommits() {
        Outcome bad = run("bisect", "git-run", "--no-such-flag");
        assertEquals(bad.code(), 129, "git bisect run would count 2 as bad: " + bad.err());
        Outcome rate = run("bisect", "git-run", "--min-repro-rate", "0");
        assertEquals(rate.code(), 129, rate.err());
    }

    @Test
    public void bisectRunRefusesMissingBuildsAndUnknownEndpoints() throws Exception {
        Outcome missing = run("bisect", "run", "--builds", "/nonexistent/builds");
        assertEquals(missing.code(), ExitCodes.USAGE);
        assertTrue(missing.err().contains("/nonexistent/builds does not exist"), missing.err());
        Path d = Files.createTempDirectory("builds");
        for (int n = 1; n <= 3; n++) {
            Path f = d.resolve("b" + n).resolve("linux-image-6.1.0-" + n + "-amd64_1_amd64.deb");
            Files.createDirectories(f.getParent());
            Files.writeString(f, "x");
        }
        Outcome unknown = run("bisect", "run", "--builds", d.toString(), "--good", "b9");
        assertEquals(unknown.code(), ExitCodes.USAGE);
        assertTrue(unknown.err().contains("--good 'b9' is not a build"), unknown.err());
        Outcome status = run("bisect", "status", "--dir", d.toString());
        assertEquals(status.code(), ExitCodes.USAGE);
        assertTrue(status.err().contains("no bisection journal"), status.err());
    }

    @Test
    public void anUnsetPasswordVariableExitsTwoBeforeAnyConnection() throws Exception {
        Path key = Files.createTempFile("key", "");
        Path inv = Files.createTempFile("inv", ".yaml");
        // 192.0.2.1 (TEST-NET-1) answers nothing: a connection attempt would take seconds and say so
        Files.writeString(inv, "hosts:\n  - name: r740-03\n    ssh: {host: 192.0.2.1, user: root, key: " + key
                + ", host_key_fingerprint: \"SHA256:abc\"}\n    bmc: {host: 192.0.2.2, user: admin, password_env: KDUMP_TEST_UNSET_BMC_PW}\n"
                + "    console: {type: sol}\n");
        long t0 = System.nanoTime();
        Outcome o = run("repro", "-i", inv.toString(), "--quiet", "--reports", Files.createTempDirectory("reports").toString());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(o.code(), ExitCodes.USAGE, o.err());
        assertTrue(o.err().contains("environment variable KDUMP_TEST_UNSET_BMC_PW is not set"), o.err());
        assertTrue(o.err().contains("host r740-03"), o.err());
        assertTrue(o.err().contains("nothing was touched"), o.err());
        assertTrue(ms < 5000, "no connection was attempted (" + ms + " ms)");
    }

    @Test
    public void zeroRunsIsAUsageError() {
        Outcome o = run("repro", "--runs", "0", "--quiet");
        assertEquals(o.code(), ExitCodes.USAGE, o.err());
        assertTrue(o.err().contains("--runs must be at least 1 (got 0)"), o.err());
        Outcome a = run("repro", "--kernel-artifacts", "/tmp", "--quiet");
        assertEquals(a.code(), ExitCodes.USAGE, a.err());
        assertTrue(a.err().contains("--kernel-artifacts needs --kernel RELEASE"), a.err());
    }
}
