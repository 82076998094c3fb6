package io.kdumplab.harness.support;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A command's combined output with the time each line arrived: what "never silent for 30 s" is asserted on. */
public final class TimedOutput {
    public record Line(long nanos, String text) {}

    public record Gap(long seconds, String before, String after) {}

    private final List<Line> lines;
    private final int exitCode;

    private TimedOutput(List<Line> lines, int exitCode) {
        this.lines = lines;
        this.exitCode = exitCode;
    }

    public static TimedOutput run(List<String> command, Duration timeout, Path dir) throws Exception {
        Process p = ChildProcesses.track(new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start());
        List<Line> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        lines.add(new Line(System.nanoTime(), "(started)"));
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    lines.add(new Line(System.nanoTime(), l));
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        }, "timed-output");
        reader.start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        reader.join(5000);
        return new TimedOutput(new ArrayList<>(lines), p.isAlive() ? -1 : p.exitValue());
    }

    public int exitCode() {
        return exitCode;
    }

    public String text() {
        StringBuilder b = new StringBuilder();
        for (Line l : lines.subList(1, lines.size())) {
            b.append(l.text()).append('\n');
        }
        return b.toString();
    }

    public Gap longestSilence() {
        Gap worst = new Gap(0, "", "");
        for (int i = 1; i < lines.size(); i++) {
            long s = (lines.get(i).nanos() - lines.get(i - 1).nanos()) / 1_000_000_000L;
            if (s > worst.seconds()) {
                worst = new Gap(s, lines.get(i - 1).text(), lines.get(i).text());
            }
        }
        return worst;
    }
}
