package io.kdumplab.harness.cli;

import io.kdumplab.harness.config.HarnessConfig;
import org.testng.SkipException;
import org.testng.annotations.Test;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * Running as a service: the units the jar writes pass `systemd-analyze verify` without a warning, and the
 * configuration file gives options their defaults below the command line and the environment.
 */
@Test(groups = "unit")
public class DeployTest {
    @Test
    public void theUnitsTheJarWritesPassSystemdAnalyzeVerify() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
            throw new SkipException("systemd-analyze is not installed");
        }
        Path out = Files.createTempDirectory("deploy");
        assertEquals(Cli.create(null, Map.of()).execute("docs", "deploy", "--out", out.toString()), 0);
        for (String f : DocsCommand.DEPLOY_FILES) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        // a template is verified as an instance of it
        Files.copy(out.resolve("kdump-harness-worker@.service"), out.resolve("kdump-harness-worker@lab1.service"));
        Process p = new ProcessBuilder("systemd-analyze", "verify", "--man=no", "kdump-harness-worker@lab1.service",
                "kdump-harness-serve.service").directory(out.toFile()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(p.exitValue(), 0, said);
        assertEquals(said.strip(), "", "no warning either (systemd exits 0 on a value it ignores)");
        HarnessConfig.load(out.resolve("harness.yaml")); // the example is a valid file
    }

    @Test
    public void theConfigurationFileIsTheDefaultBelowTheCommandLineAndTheEnvironment() throws Exception {
        Path f = Files.createTempFile("harness", ".yaml");
        Files.writeString(f, "database: jdbc:postgresql://db.lab.example/harness\nreports: /srv/reports\n"
                + "serve: {bind: '0.0.0.0:8443', base_path: /harness}\n");
        HarnessConfig c = HarnessConfig.load(f);
        ServeCommand serve = serveParsed(c, Map.of());
        assertEquals(serve.db, "jdbc:postgresql://db.lab.example/harness");
        assertEquals(serve.reports, Path.of("/srv/reports"));
        assertEquals(serve.bind, "0.0.0.0:8443");
        assertEquals(serve.basePath, "/harness");
        ServeCommand envWins = serveParsed(c, Map.of("HARNESS_REPORTS", "/env/reports"));
        assertEquals(envWins.reports, Path.of(System.getenv().getOrDefault("HARNESS_REPORTS", "reports")),
                "the environment's value, as the option reads it");
        ServeCommand lineWins = serveParsed(c, Map.of(), "--bind", "127.0.0.1:9000");
        assertEquals(lineWins.bind, "127.0.0.1:9000");
        // lab: the lab of commands given no inventory, never the benchmark's own lab
        HarnessConfig withLab = HarnessConfig.load(Files.writeString(Files.createTempFile("harness", ".yaml"), "lab: site-a\n"));
        CommandLine.ParseResult repro = Cli.create(withLab, Map.of()).parseArgs("repro");
        assertEquals(((ReproCommand) repro.subcommand().commandSpec().userObject()).target.lab, "site-a");
        CommandLine.ParseResult bench = Cli.create(withLab, Map.of()).parseArgs("bench", "repro");
        assertEquals(((BenchCommand) bench.subcommand().commandSpec().userObject()).lab, "bench", "bench keeps its own lab");

        ServeCommand none = serveParsed(null, Map.of());
        assertEquals(none.bind, "127.0.0.1:8080", "no file: the built-in default");
    }

    private static ServeCommand serveParsed(HarnessConfig c, Map<String, String> env, String... args) {
        CommandLine cl = Cli.create(c, env);
        List<String> all = new java.util.ArrayList<>(List.of("serve"));
        all.addAll(List.of(args));
        CommandLine.ParseResult r = cl.parseArgs(all.toArray(new String[0]));
        return (ServeCommand) r.subcommand().commandSpec().userObject();
    }
}
