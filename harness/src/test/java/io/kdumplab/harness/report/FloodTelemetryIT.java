package io.kdumplab.harness.report;

import io.kdumplab.harness.device.console.ConsoleCapture;
import io.kdumplab.harness.device.ConsoleLine;
import io.kdumplab.harness.device.console.TcpConsoleConnector;
import io.kdumplab.harness.lab.LabState;
import io.kdumplab.harness.run.ModuleSources;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.wait.Deadline;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * Telemetry from a real console log of the virtual lab, cross-checked against
 * the spammer module's own counters: every message the module counted is
 * either printed on the console, reported dropped by the kernel, or a gap in
 * the printed sequence numbers.
 */
@Test(groups = "lab")
public class FloodTelemetryIT {

    @Test
    public void consoleTelemetryMatchesTheModuleCounters() throws Exception {
        LabState s = LabFixture.up();
        Path dir = Files.createTempDirectory("telemetry");
        try (ConsoleCapture cap = new ConsoleCapture(new TcpConsoleConnector(s.host(), s.consolePort()), dir, m -> { }).start();
             SshShell t = LabFixture.ssh()) {
            Path src = ModuleSources.extract("printk_spammer", ModuleSources.SPAMMER, dir.resolve("src"));
            // the module as the repro run caches it on the host (same kernel, same sources): built by an earlier
            // class of the suite on this disk, so no second build is paid; built and cached here otherwise
            String kver = t.check("uname -r", Duration.ofSeconds(10)).trim();
            String cached = ModuleSources.cacheDir("printk_spammer", kver, src);
            String ko = cached + "/printk_spammer.ko";
            if (!t.run("test -s " + ko, Duration.ofSeconds(10)).ok()) {
                t.check("rm -rf /tmp/tele && mkdir -p /tmp/tele", Duration.ofSeconds(10));
                for (String f : ModuleSources.SPAMMER) {
                    t.upload(src.resolve(f), "/tmp/tele/" + f);
                }
                t.check("make -s -C /lib/modules/" + kver + "/build M=/tmp/tele modules 2>&1 | grep -v BTF || true",
                        Duration.ofMinutes(5));
                t.check("mkdir -p " + cached + " && cp /tmp/tele/printk_spammer.ko " + cached + "/.tmp.ko && mv -f " + cached
                        + "/.tmp.ko " + ko + " && sync", Duration.ofSeconds(60));
            }
            int from = cap.lineCount();
            t.check("insmod " + ko + " threads=4 interval_us=1000", Duration.ofSeconds(30));
            Thread.sleep(8000);
            // stop printing, let the console drain, then read the module's counters at rest
            t.check("echo 1 > /sys/module/printk_spammer/parameters/paused", Duration.ofSeconds(10));
            long quietSince = System.currentTimeMillis();
            int seen = cap.lineCount();
            while (System.currentTimeMillis() - quietSince < 3000) {
                Thread.sleep(250);
                if (cap.lineCount() != seen) {
                    seen = cap.lineCount();
                    quietSince = System.currentTimeMillis();
                }
            }
            String[] perThread = t.check("cat /sys/module/printk_spammer/parameters/emitted_per_thread", Duration.ofSeconds(10))
                    .split(" ");
            long moduleTotal = Long.parseLong(t.check("cat /sys/module/printk_spammer/parameters/emitted", Duration.ofSeconds(10)));
            var lines = cap.lines().subList(from, cap.lineCount()).stream()
                    .map(l -> new FloodTelemetry.TimedLine(l.epochMillis(), l.text())).toList();
            FloodTelemetry.Summary sum = FloodTelemetry.compute(lines, null, null);
            assertTrue(moduleTotal > 500, "the spammer ran: " + moduleTotal);
            assertEquals(perThread.length, 4);
            // The lab's line garbles about one line per 100 KB (see README, known limitations); a garbled
            // line is "missing" to the telemetry, so each thread may end one short of its counter.
            long perThreadSum = 0;
            for (int i = 0; i < 4; i++) {
                long module = Long.parseLong(perThread[i]);
                long console = sum.maxSeqPerThread().get(i);
                perThreadSum += module;
                assertTrue(console == module || console == module - 1,
                        "thread " + i + ": last sequence number on the console " + console + " vs the module's counter " + module);
            }
            assertEquals(perThreadSum, moduleTotal, "the module's per-thread counters add up to its total");
            assertTrue(moduleTotal - sum.emittedBySeq() <= 4, "emitted according to the console vs the module: "
                    + sum.emittedBySeq() + " / " + moduleTotal);
            assertTrue(Math.abs(sum.printed() + sum.seqGaps() - sum.emittedBySeq()) <= 2,
                    "printed + missing = emitted (by sequence numbers), give or take a garbled line: "
                            + sum.printed() + " + " + sum.seqGaps() + " vs " + sum.emittedBySeq());
            assertTrue(sum.printed() >= 0.99 * moduleTotal, "printed " + sum.printed() + " of " + moduleTotal);
            assertTrue(sum.kernelDropped() <= sum.seqGaps(), "kernel-reported drops are among the missing");
            t.check("rmmod printk_spammer", Duration.ofSeconds(60));
            ConsoleLine stop = cap.await(Pattern.compile("printk_spammer: stopped after (\\d+) messages"), from,
                    Deadline.in("spammer's final count on the console", Duration.ofSeconds(60)));
            Matcher m = Pattern.compile("stopped after (\\d+) messages").matcher(stop.text());
            assertTrue(m.find());
            assertEquals(Long.parseLong(m.group(1)), moduleTotal, "no message after the pause (the module's own final count)");
            System.err.printf("telemetry: module %d, printed %d, gaps %d, kernel-dropped %d, per-second max %d%n", moduleTotal,
                    sum.printed(), sum.seqGaps(), sum.kernelDropped(),
                    sum.perSecond().stream().mapToLong(x -> x[2]).max().orElse(0));
        }
    }
}
