package io.kdumplab.harness.lab;

import io.kdumplab.harness.device.CommandShell;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;

import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The lab's figures: cold image build, cached start to SSH, crash -> dump saved
 * -> SSH back (sysrq-c and BMC diag NMI), and the console line's effective rate.
 * A benchmark, not a test: it prints numbers and asserts nothing.
 */
public final class LabBench {
    public static final String NAME = "bench";

    private final LabPaths paths;
    private final Consumer<String> progress;

    public LabBench(LabPaths paths, Consumer<String> progress) {
        this.paths = paths;
        this.progress = progress;
    }

    public Map<String, String> run(boolean coldBuild) throws Exception {
        Map<String, String> figures = new LinkedHashMap<>();
        VirtualLab lab = new VirtualLab(paths, progress);
        if (coldBuild) {
            Path tmp = Files.createTempDirectory(paths.cacheRoot().getParent() == null ? Path.of("/tmp") : paths.cacheRoot(), "cold-build");
            try {
                long t0 = System.nanoTime();
                new ImageCache(tmp, progress, VirtualLab.IMAGE_BUILD_TIMEOUT).ensure(ImageRecipe.debianGuest());
                figures.put("cold image build", secs(t0) + " (measured now)");
            } finally {
                ImageCache.deleteTree(tmp);
            }
        }
        GuestImage image = lab.image();
        if (!coldBuild) {
            figures.put("cold image build", image.manifest().getOrDefault("BUILD_SECONDS", "?")
                    + " s (recorded when the cached image was built; --cold measures again)");
        }

        lab.down(NAME);
        lab.reset(LabSpec.defaults(NAME));
        long t0 = System.nanoTime();
        LabState s = lab.up(LabSpec.defaults(NAME));
        figures.put("cached start to SSH + kdump ready", secs(t0));
        try {
            figures.put("console line rate", lineRate(s) + " B/s (115200 baud 8N1 = 11520 B/s)");
            figures.put("sysrq-c -> dump saved -> SSH back", crashCycle(lab, s, false));
            figures.put("BMC diag NMI -> dump saved -> SSH back", crashCycle(lab, s, true));
        } finally {
            lab.down(NAME);
        }
        return figures;
    }

    private String crashCycle(VirtualLab lab, LabState s, boolean nmi) {
        long since;
        Device guest = LabEndpoints.device(NAME, s);
        try (CommandShell t = guest.probeShell(Duration.ofSeconds(10))) {
            since = Long.parseLong(t.check("sysctl -qw kernel.unknown_nmi_panic=1; date +%s", Duration.ofSeconds(10)));
            long t0 = System.nanoTime();
            if (nmi) {
                try (var bmc = guest.freshBmc()) {
                    bmc.nmiBurst(1, Duration.ZERO);
                }
            } else {
                t.runExpectingDisconnect("echo c > /proc/sysrq-trigger");
            }
            Wait.until(Deadline.in("guest back with a new dump", Duration.ofSeconds(400)), Duration.ofSeconds(2), () -> {
                try (CommandShell u = guest.probeShell(Duration.ofSeconds(5))) {
                    String files = u.check("stat -c '%Y %s' /var/crash/*/dump.* 2>/dev/null || true", Duration.ofSeconds(10));
                    boolean fresh = files.lines().anyMatch(l -> Long.parseLong(l.split(" ")[0]) >= since);
                    return fresh ? Wait.Result.ready(true) : Wait.Result.notYet("no new dump yet");
                }
            });
            return secs(t0);
        }
    }

    /** Writes 48 KiB to the guest's ttyS0 and times its arrival at the console server. */
    private static long lineRate(LabState s) throws Exception {
        int n = 48 * 1024;
        try (Socket sock = new Socket(s.host(), s.consolePort());
             CommandShell t = LabEndpoints.device(NAME, s).probeShell(Duration.ofSeconds(10))) {
            sock.setSoTimeout(30_000);
            InputStream in = sock.getInputStream();
            t.check("(head -c " + n + " /dev/zero | tr '\\0' '#' > /dev/ttyS0) >/dev/null 2>&1 &", Duration.ofSeconds(10));
            byte[] buf = new byte[4096];
            int seen = 0;
            long first = 0;
            long last = 0;
            while (seen < n) {
                int r = in.read(buf);
                if (r < 0) {
                    break;
                }
                for (int i = 0; i < r; i++) {
                    if (buf[i] == '#') {
                        if (seen == 0) {
                            first = System.nanoTime();
                        }
                        seen++;
                    }
                }
                last = System.nanoTime();
            }
            return Math.round((seen - 1) / ((last - first) / 1e9));
        }
    }

    private static String secs(long t0) {
        return String.format("%.0f s", (System.nanoTime() - t0) / 1e9);
    }
}
