package io.kdumplab.harness.e2e;

import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.support.TimedOutput;
import io.kdumplab.harness.util.Processes;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * `git bisect run` driving the harness against a small real git repository
 * and the virtual lab. Commits c0..c5: c2 does not build (the --prepare hook
 * fails: skip, 125), from c4 on the source carries the regression (its
 * scenario turns the NMI panic sysctls off: the NMI no longer panics, no vmcore,
 * a real FAIL without a hang to wait out). git tests
 * c2 (skip), c3 (a real PASS trial, 0) and c4 (a real FAIL trial, 1) and must
 * name c4.
 */
@Test(groups = {"lab", "e2e"}, singleThreaded = true)
public class GitBisectRunIT {
    @Test
    public void gitBisectRunFindsTheRegressionAndSkipsACommitThatDoesNotBuild() throws Exception {
        LabFixture.up();
        Path repo = Files.createDirectories(Path.of("target", "it-git-bisect").toAbsolutePath());
        BisectIT.deleteTree(repo);
        Files.createDirectories(repo);
        git(repo, "init", "-q");
        git(repo, "config", "user.email", "it@localhost");
        git(repo, "config", "user.name", "it");
        for (int i = 0; i <= 5; i++) {
            // the "source": a scenario (cheap: sysrq-free NMI path without the flood) and a build that may break
            // from c4 on the "regression": the NMI no longer panics (a cheap, real FAIL: no hang, no reboot to pay for)
            String scenario = "name: git-c" + i + "\nspammer: {enabled: false}\n" + (i >= 4 ? "sysctls: {kernel.unknown_nmi_panic: \"0\", "
                    + "kernel.panic_on_unrecovered_nmi: \"0\", kernel.panic_on_io_nmi: \"0\"}\n" : "");
            Files.writeString(repo.resolve("scenario.yaml"), scenario);
            if (i == 2) {
                Files.writeString(repo.resolve("BROKEN"), "this commit does not compile\n");
            } else {
                Files.deleteIfExists(repo.resolve("BROKEN"));
            }
            git(repo, "add", "-A");
            git(repo, "commit", "-q", "-m", "c" + i);
        }
        Path reports = Files.createDirectories(repo.resolve(".reports"));
        Files.writeString(repo.resolve(".git/info/exclude"), ".reports/\n");
        String harness = HarnessProcess.commandLine() + " bisect git-run --lab " + LabFixture.NAME + " --min-repro-rate 1 --scenario scenario.yaml"
                + " --reports '" + reports + "' --hang-after 30 --prepare 'test ! -e BROKEN'";
        git(repo, "bisect", "start", "HEAD", "HEAD~5");
        TimedOutput run = TimedOutput.run(List.of("bash", "-c", "git bisect run " + harness), Duration.ofMinutes(25), repo);
        String out = run.text();
        // no silent wait: every wait (SSH back after the crash, the capture kernel, a module build) speaks at least
        // every 30 s; a few seconds more for a JVM start between two trials
        TimedOutput.Gap gap = run.longestSilence();
        System.err.println("git-run bisection: longest silence " + gap.seconds() + " s, before: " + gap.after());
        assertTrue(gap.seconds() <= 33, "silent for " + gap.seconds() + " s after '" + gap.before() + "' until '"
                + gap.after() + "'");
        String log = git(repo, "bisect", "log");
        git(repo, "bisect", "reset");
        assertEquals(run.exitCode(), 0, out);
        String c4 = git(repo, "rev-parse", "HEAD~1").strip();
        assertTrue(out.contains(c4 + " is the first bad commit"), out);
        assertTrue(log.contains("git bisect skip"), "c2 was skipped:\n" + log);
        assertTrue(log.contains("git bisect good"), log);
        assertTrue(log.contains("git bisect bad " + c4), log);
        assertTrue(out.contains("prepare exited 1") && out.contains("git-run: good after 1 passing trial")
                && out.contains("git-run: bad (exit 1)"), out);
    }

    private static String git(Path repo, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Processes.Outcome r = Processes.run(cmd, Duration.ofMinutes(1), repo);
        assertEquals(r.exitCode(), 0, String.join(" ", cmd) + ": " + r.output());
        return r.output();
    }
}
