package io.kdumplab.harness.bisect;

import io.kdumplab.harness.builds.Build;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.Fence;
import io.kdumplab.harness.device.boot.BuildProblem;
import io.kdumplab.harness.device.boot.Provisioner;
import io.kdumplab.harness.device.drivers.Devices;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.run.RunLog;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.util.AtomicFiles;
import io.kdumplab.harness.wait.Deadline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The bisection's host: the first contact, putting it on a build (install unless this bisection already did, boot
 * once, check `uname -r`, make it the default) and putting it back (original default entry, safe kernel). What it
 * is about to do goes to the journal first, so a resumed bisection knows whether the host may still be rebooting.
 * The search itself (which build next, what a verdict means) is {@link BisectRun}'s.
 */
final class BisectHost {
    /** A host that does not answer at the start, with no reboot in progress, is an error this soon. */
    static final Duration FIRST_CONTACT = Duration.ofSeconds(60);

    private final TargetHost host;
    private final BisectSettings settings;
    private final Path dir;
    private final RunLog log;
    private final Fence fence;
    private final List<Journal.Entry> entries;
    private final Consumer<Journal.Entry> journal;
    private Integer onBuild;

    /**
     * @param entries the journal as read and appended so far (read only here)
     * @param journal appends an entry to the journal (and the bisection's own list)
     */
    BisectHost(TargetHost host, BisectSettings settings, Path dir, RunLog log, Fence fence, List<Journal.Entry> entries,
               Consumer<Journal.Entry> journal) {
        this.host = host;
        this.settings = settings;
        this.dir = dir;
        this.log = log;
        this.fence = fence;
        this.entries = entries;
        this.journal = journal;
    }

    String name() {
        return host.name();
    }

    /** How long a first contact with the host may take for the bisection in `dir` (its journal decides). */
    static Duration firstContact(Path dir, Duration bootTimeout) {
        return firstContact(new Journal(dir.resolve("journal.jsonl")).read(new ArrayList<>()), bootTimeout);
    }

    /** The journal's last word is that the host was about to reboot: it may still be booting. */
    static boolean rebootInProgress(List<Journal.Entry> entries) {
        return !entries.isEmpty() && entries.get(entries.size() - 1).kind() == Journal.Kind.REBOOTING;
    }

    /** How long the first contact may wait for the host: the boot timeout only while a reboot may be in progress. */
    static Duration firstContact(List<Journal.Entry> entries, Duration bootTimeout) {
        return rebootInProgress(entries) ? bootTimeout : FIRST_CONTACT;
    }

    /** SSH to the host at the start: within 60 s, or the boot timeout when the journal says it was rebooting. */
    Device firstContact() {
        boolean rebooting = rebootInProgress(entries);
        if (rebooting) {
            log.info("the journal says the host was rebooting when this bisection stopped: waiting up to "
                    + settings.bootTimeout().toSeconds() + " s for it");
        }
        try {
            return open(firstContact(entries, settings.bootTimeout()));
        } catch (InfrastructureException e) {
            throw new InfrastructureException("ssh", host.name() + " does not answer on SSH: " + e.getMessage()
                    + (rebooting ? "" : " (no reboot in progress, says the journal)"),
                    "bring the host up (or `./harness.sh lab up`) and run the same command again", e);
        }
    }

    /** The host with its shell open, waiting up to `within` for SSH (it may be mid-reboot), saying so while it waits. */
    Device open(Duration within) {
        Device dev = Devices.of(host);
        try {
            dev.openShell(Deadline.in(host.name() + " answers on SSH", within).reportingTo(log::info));
            return dev;
        } catch (RuntimeException e) {
            dev.close();
            throw e;
        }
    }

    Provisioner provisioner(Device dev) {
        return new Provisioner(dev, fence, log::info);
    }

    /** The host is no longer known to be on any build (a trial or a placement failed part-way). */
    void forgetBuild() {
        onBuild = null;
    }

    /** Installs build b unless this bisection already did, boots it once, checks uname -r, then makes it the default. */
    void ensureOn(Build b) {
        long bootStart = System.nanoTime();
        try (Device dev = open(settings.bootTimeout())) {
            Provisioner p = provisioner(dev);
            String running = p.running();
            // already on it (a resumed run): no reboot; but a build this bisection has not installed yet (say the
            // running kernel plus its build's other packages) is installed and booted like any other
            if (running.equals(b.kernelRelease()) && installed(b.index())) {
                if (onBuild == null || onBuild != b.index()) {
                    p.makeDefault(b.kernelRelease());
                    onBuild = b.index();
                }
                return;
            }
            if (!installed(b.index())) {
                long t0 = System.nanoTime();
                String out = p.install(b, settings.installTimeout());
                AtomicFiles.write(dir.resolve("installs").resolve(b.name().replaceAll("[^A-Za-z0-9_.+-]", "_") + ".log"), out);
                journal.accept(Journal.Entry.event(Journal.Kind.INSTALL, b.index(), b.name(), null, seconds(t0)));
            }
            bootStart = System.nanoTime();
            journal.accept(Journal.Entry.event(Journal.Kind.REBOOTING, b.index(), b.name(), "boot into " + b.kernelRelease(), 0));
            if (!p.bootOnce(b.kernelRelease(), settings.bootTimeout())) {
                throw new BuildProblem(b.label() + " did not boot to SSH within " + settings.bootTimeout().toSeconds() + " s");
            }
            String now = p.running();
            if (!now.equals(b.kernelRelease())) {
                throw new BuildProblem("the host booted " + now + " instead of " + b.kernelRelease());
            }
            p.makeDefault(b.kernelRelease());
            onBuild = b.index();
            log.info("running " + now + "; made the default boot entry");
        }
        journal.accept(Journal.Entry.event(Journal.Kind.BOOT, b.index(), b.name(), null, seconds(bootStart)));
    }

    private boolean installed(int k) {
        return entries.stream().anyMatch(e -> e.kind() == Journal.Kind.INSTALL && Integer.valueOf(k).equals(e.buildIndex()));
    }

    /** The original default boot entry back and the safe kernel booted; journalled. Throws when the host cannot be reached. */
    void restore(Journal.Start start) {
        long t0 = System.nanoTime();
        try (Device dev = open(settings.bootTimeout())) {
            Provisioner p = provisioner(dev);
            p.restoreBoot(start.originalBoot());
            boolean back = true;
            if (!p.running().equals(start.safeKernel())) {
                log.info("booting the safe kernel " + start.safeKernel());
                back = p.bootOnce(start.safeKernel(), settings.bootTimeout());
            }
            // bootOnce reconnected the shell when the host came back; a host still away is waited for once more
            if (!back) {
                dev.reconnectShell(Deadline.in(host.name() + " answers on SSH", settings.bootTimeout()).reportingTo(log::info));
            }
            String now = p.running();
            journal.accept(Journal.Entry.event(Journal.Kind.RESTORE, null, null,
                    "default boot entry restored; running " + now, seconds(t0)));
            log.info("host restored: original default boot entry, running " + now
                    + (now.equals(start.safeKernel()) ? " (the safe kernel)" : " — NOT the safe kernel " + start.safeKernel()));
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
