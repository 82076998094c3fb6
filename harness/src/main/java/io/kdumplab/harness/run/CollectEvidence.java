package io.kdumplab.harness.run;

import io.kdumplab.harness.device.CommandResult;
import io.kdumplab.harness.wait.Deadline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The dump this run wrote (by mtime against the guest clock at the trigger),
 * and whether it can be read: `makedumpfile --dump-dmesg` must extract its
 * kernel log (flattened dumps are reassembled first). The panic message and
 * the last kernel lines come from that log.
 */
final class CollectEvidence implements Step<Optional<RunResult.Evidence>> {
    private static final String TMP = "/tmp/kdump-harness/evidence";

    private final TriggerPoint trigger;
    private final HostFacts facts;

    CollectEvidence(TriggerPoint trigger, HostFacts facts) {
        this.trigger = trigger;
        this.facts = facts;
    }

    @Override
    public String name() {
        return "evidence";
    }

    @Override
    public Duration timeout(RunContext ctx) {
        return Duration.ofSeconds(ctx.scenario().timeouts().evidence());
    }

    @Override
    public String component() {
        return "ssh";
    }

    @Override
    public Optional<RunResult.Evidence> run(RunContext ctx, Deadline d) {
        var shell = ctx.device().shell();
        String dumpDir = facts.dumpDir();
        String listing = shell.run("stat -c '%Y %s %n' " + facts.distro().dumpGlob(dumpDir) + " 2>/dev/null", Duration.ofSeconds(30)).out();
        Optional<String[]> fresh = listing.lines().map(l -> l.split(" ", 3)).filter(f -> f.length == 3)
                .filter(f -> Long.parseLong(f[0]) >= trigger.guestClockSeconds() - 5).reduce((a, b) -> b);
        if (fresh.isEmpty()) {
            ctx.info("no vmcore from this run under " + dumpDir);
            return Optional.empty();
        }
        RunResult.Evidence ev = new RunResult.Evidence();
        ev.vmcorePath = fresh.get()[2];
        ev.vmcoreSize = Long.parseLong(fresh.get()[1]);
        String dumpDirOfRun = ev.vmcorePath.substring(0, ev.vmcorePath.lastIndexOf('/'));
        String dmesgFile = shell.run("ls " + dumpDirOfRun + "/" + facts.distro().dmesgGlob("").replaceFirst("^/\\*/", "")
                + " 2>/dev/null | head -n 1", Duration.ofSeconds(15)).out();
        ev.dmesgFile = dmesgFile.isEmpty() ? null : dmesgFile;
        String read = "mkdir -p " + TMP + " && rm -f " + TMP + "/*; f='" + ev.vmcorePath + "'; "
                + "if head -c 12 \"$f\" | grep -q makedumpfile; then makedumpfile -R " + TMP + "/vmcore < \"$f\" >/dev/null 2>&1 && f="
                + TMP + "/vmcore; fi; "
                + "makedumpfile --dump-dmesg \"$f\" " + TMP + "/dmesg.txt >/dev/null 2>&1; rc=$?; rm -f " + TMP + "/vmcore; exit $rc";
        CommandResult r = ctx.device().runRoot(read, d.remaining());
        ev.readWith = "makedumpfile --dump-dmesg";
        ev.readable = r.ok();
        if (r.ok()) {
            String dmesg = shell.run("cat " + TMP + "/dmesg.txt", Duration.ofSeconds(30)).stdout();
            List<String> lines = dmesg.lines().toList();
            ev.panicMessage = lines.stream().filter(io.kdumplab.harness.verdict.KernelMessages::isPanicBanner).reduce((a, b) -> b)
                    .map(l -> l.replaceFirst("^\\[\\s*[0-9.]+\\]\\s*", "")).orElse(null);
            ev.lastKernelLines = new ArrayList<>(lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            ev.panicMessageSource = ev.panicMessage == null ? null : "vmcore-dmesg";
        }
        if (ev.panicMessage == null) {
            // Under a flood the dump's log can lack the banner ("Too many dropped messages") while the console had it.
            ctx.recorder().read(x -> x.phases.stream().filter(p -> p.phase.equals(Phase.PANIC.name())).findFirst()).ifPresent(p -> {
                ev.panicMessage = p.text.replaceFirst("^\\[\\s*[0-9.]+\\]\\s*", "");
                ev.panicMessageSource = "console";
            });
        }
        ctx.info("vmcore " + ev.vmcorePath + " (" + ev.vmcoreSize + " bytes), readable: " + ev.readable
                + (ev.panicMessage == null ? "" : ", panic: " + ev.panicMessage));
        ctx.recorder().update(x -> x.evidence = ev);
        return Optional.of(ev);
    }
}
