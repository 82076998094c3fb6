package io.kdumplab.harness.support;

import io.kdumplab.harness.util.Processes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Headless Chromium (Debian package): the DOM after scripts ran, and a screenshot. */
public final class Chromium {
    private Chromium() {}

    static List<String> base(Path profile) {
        return new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--virtual-time-budget=3000"));
    }

    public static String dumpDom(Path page) throws Exception {
        Path profile = Files.createTempDirectory("chromium");
        List<String> cmd = base(profile);
        cmd.add("--dump-dom");
        cmd.add(page.toUri().toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String dom = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return dom;
    }

    public static Processes.Outcome screenshot(Path page, Path png) throws Exception {
        Path profile = Files.createTempDirectory("chromium");
        List<String> cmd = base(profile);
        cmd.add("--window-size=1280,2400");
        cmd.add("--screenshot=" + png.toAbsolutePath());
        cmd.add(page.toUri().toString());
        return Processes.run(cmd, Duration.ofSeconds(90), null);
    }
}
