package io.kdumplab.harness.run;

import io.kdumplab.harness.verdict.Phase;

import io.kdumplab.harness.device.CommandResult;
import io.kdumplab.harness.device.ConsoleLine;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.util.Hashing;
import io.kdumplab.harness.wait.Deadline;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Builds (or takes from the host's module cache) and loads one of the
 * project's kernel modules. Built .ko files are kept on the host under
 * {@value ModuleSources#HOST_CACHE}/MODULE/KERNEL-SOURCEHASH, outside /tmp (cleared at boot),
 * so a second run on the same kernel with the same sources loads at once.
 */
final class LoadModule implements Step<ModuleLoad> {
    private static final String BUILD_DIR = "/tmp/kdump-harness";

    private final String stepName;
    private final String module;
    private final List<String> files;
    private final String params;
    private final HostFacts facts;
    private final boolean awaitSpammerOnConsole;

    private LoadModule(String stepName, String module, List<String> files, String params, HostFacts facts, boolean awaitSpammer) {
        this.stepName = stepName;
        this.module = module;
        this.files = files;
        this.params = params;
        this.facts = facts;
        this.awaitSpammerOnConsole = awaitSpammer;
    }

    static LoadModule spammer(Scenario.Spammer s, HostFacts facts) {
        return new LoadModule("spammer", "printk_spammer", ModuleSources.SPAMMER, "threads=" + s.threads() + " interval_us="
                + s.intervalUs() + " msg_len=" + s.msgLen() + " loglevel=" + s.loglevel(), facts, true);
    }

    static LoadModule wedge(Scenario.Wedge w, HostFacts facts) {
        return new LoadModule("panic-wedge", "panic_wedge", ModuleSources.WEDGE, "probability=" + w.probability(), facts, false);
    }

    @Override
    public String name() {
        return stepName;
    }

    @Override
    public Duration timeout(RunContext ctx) {
        return Duration.ofSeconds(ctx.scenario().timeouts().spammerBuild()
                + (awaitSpammerOnConsole ? ctx.scenario().timeouts().spammerOnConsole() : 0));
    }

    @Override
    public String component() {
        return "ssh";
    }

    @Override
    public ModuleLoad run(RunContext ctx, Deadline d) throws Exception {
        int from = ctx.device().console().map(c -> c.lineCount()).orElse(0);
        ModuleLoad loaded = buildOrTakeFromCache(ctx, d);
        ctx.undo().moduleLoaded(module);
        ctx.device().root("rmmod " + module + " 2>/dev/null; insmod " + loaded.path() + " " + params, Duration.ofSeconds(30));
        ctx.recorder().update(r -> r.modules.add(loaded));
        if (module.equals("panic_wedge")) {
            ctx.recorder().note("test-only module panic_wedge loaded (" + params + "): the panic path stalls before kdump");
        }
        if (awaitSpammerOnConsole) {
            var console = ctx.device().console().orElseThrow();
            ConsoleLine first = console.await(Phase.SPAMMER_ON.pattern(), from,
                    d.child("spammer messages on the console", Duration.ofSeconds(ctx.scenario().timeouts().spammerOnConsole())));
            ctx.recorder().phase(Phase.SPAMMER_ON, first);
            Scenario.Spammer s = ctx.scenario().spammer();
            ctx.info("spammer on: " + s.threads() + " threads x 1 msg / " + s.intervalUs() + " us, seen on the console");
            // let the console fall behind, as in the field, before the NMI
            ctx.sleep(5000);
        }
        return loaded;
    }

    private ModuleLoad buildOrTakeFromCache(RunContext ctx, Deadline d) throws Exception {
        String kver = facts.kernel();
        Path local = ModuleSources.extract(module, files, ctx.dir().resolve(".modules"));
        String cacheDir = ModuleSources.cacheDir(module, kver, local);
        var shell = ctx.device().shell();
        if (shell.run("test -s " + cacheDir + "/" + module + ".ko", Duration.ofSeconds(15)).ok()) {
            ctx.info(module + ": taken from the host's module cache " + cacheDir + " (same kernel, same sources)");
            return new ModuleLoad(module, cacheDir + "/" + module + ".ko", true, 0);
        }
        long t0 = System.nanoTime();
        String remote = BUILD_DIR + "/" + module;
        shell.check("rm -rf " + remote + " && mkdir -p " + remote, Duration.ofSeconds(15));
        for (String f : files) {
            shell.upload(local.resolve(f), remote + "/" + f);
        }
        if (!shell.run("test -d /lib/modules/" + kver + "/build", Duration.ofSeconds(15)).ok()) {
            throw new InfrastructureException("host", "kernel headers for " + kver + " are not installed on " + ctx.host().name()
                    + " (/lib/modules/" + kver + "/build is missing)",
                    facts.distro().headersInstallCommand(kver));
        }
        ctx.info("building " + module + " on the target against " + kver);
        CommandResult build = shell.run("make -s -C /lib/modules/" + kver + "/build M=" + remote + " modules 2>&1", d.remaining());
        if (!build.ok()) {
            throw new InfrastructureException("host", "building " + module + " failed on " + ctx.host().name() + ":\n"
                    + tail(build.stdout(), 10), "see harness.log; the module must build against the running kernel's headers");
        }
        // into the cache atomically: a half-copied .ko must never be taken for a built one; and synced: the next thing
        // this run does may be a crash or a power cycle, which would lose a file still in the page cache
        ctx.device().root("mkdir -p " + cacheDir + " && cp " + remote + "/" + module + ".ko " + cacheDir + "/." + module
                + ".ko.tmp && mv -f " + cacheDir + "/." + module + ".ko.tmp " + cacheDir + "/" + module + ".ko && sync",
                Duration.ofSeconds(60));
        double seconds = (System.nanoTime() - t0) / 1e9;
        ctx.info(module + ": built in " + String.format("%.1f", seconds) + " s and cached in " + cacheDir);
        return new ModuleLoad(module, cacheDir + "/" + module + ".ko", false, Math.round(seconds * 10) / 10.0);
    }

    private static String tail(String s, int n) {
        List<String> l = s.lines().toList();
        return String.join("\n", l.subList(Math.max(0, l.size() - n), l.size()));
    }
}
