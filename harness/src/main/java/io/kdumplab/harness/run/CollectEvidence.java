package io.kdumplab.harness.run;

import io.kdumplab.harness.verdict.Phase;

import io.kdumplab.harness.device.CommandResult;
import io.kdumplab.harness.device.CommandShell;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.wait.Deadline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The dump this run wrote, where the host's kdump put it (the host's disk, its SSH dump server, or an NFS share the
 * harness mounts read-only on the host), found by time against the clock of the machine that holds it, and whether it
 * can be read there: `makedumpfile --dump-dmesg` must extract its kernel log. The panic message and the last kernel
 * lines come from that log. A dump server or share the harness cannot reach is an infrastructure error naming it: the
 * dump may well be there, so it is never a FAIL.
 */
final class CollectEvidence implements Step<Optional<RunResult.Evidence>> {
    /** Files up to this much older than the trigger still count (clock steps, a server clock measured at preflight). */
    private static final long SLACK_SECONDS = 5;
    private static final Duration LIST = Duration.ofSeconds(30);
    private static final Duration SERVER_REACH = Duration.ofSeconds(30);
    /** A mount or unmount of an NFS share on the host (the mount command bounds itself at 40 s). */
    private static final Duration NFS_MOUNT = Duration.ofSeconds(50);

    private final TriggerPoint trigger;
    private final HostFacts facts;
    private final DumpServers servers;

    CollectEvidence(TriggerPoint trigger, HostFacts facts, DumpServers servers) {
        this.trigger = trigger;
        this.facts = facts;
        this.servers = servers;
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
        return facts.dumpPlace().remote() ? "dump-server" : "ssh";
    }

    /** Runs commands where the dump lies: as root on the host (an NFS share mounted there), or as the dump server's login. */
    private interface Where extends AutoCloseable {
        CommandResult run(String command, Duration timeout);

        /** The place's directory as a path there (inside the mount point for a share). */
        String dir(String directory);

        /** A path there as a person finds it (user@server:port:/path, server:/export/path). */
        String display(String path);

        @Override
        void close();
    }

    @Override
    public Optional<RunResult.Evidence> run(RunContext ctx, Deadline d) {
        DumpPlace place = facts.dumpPlace();
        try (Where where = open(ctx, place, d)) {
            return find(ctx, place, where, d);
        } catch (InfrastructureException e) {
            if (!place.remote() || "dump-server".equals(e.component())) {
                throw e;
            }
            throw new InfrastructureException("dump-server", "cannot read this run's dump on " + place.where() + ": "
                    + e.getMessage(), "the dump may be there: check the dump server and the harness's way to it; this is "
                    + "not a verdict on the kernel", e);
        }
    }

    private Where open(RunContext ctx, DumpPlace place, Deadline d) {
        if (place.nfs()) {
            return nfs(ctx, place, d);
        }
        if (!place.remote()) {
            return new Where() {
                public CommandResult run(String command, Duration timeout) {
                    return ctx.device().runRoot(command, timeout);
                }

                public String dir(String directory) {
                    return directory;
                }

                public String display(String path) {
                    return path;
                }

                public void close() {}
            };
        }
        CommandShell s;
        try {
            s = servers.connect(place.server(), d.child("SSH to the dump server " + place.server().describe(), SERVER_REACH));
        } catch (InfrastructureException e) {
            throw new InfrastructureException("dump-server", "cannot reach the dump server " + place.server().describe()
                    + " to read this run's dump: " + e.getMessage(), "the dump may be there: check the dump server and the "
                    + "harness's way to it; this is not a verdict on the kernel", e);
        }
        return new Where() {
            public CommandResult run(String command, Duration timeout) {
                return s.run(DumpFiles.SERVER_PATH + command, timeout);
            }

            public String dir(String directory) {
                return directory;
            }

            public String display(String path) {
                return place.pathAt(path);
            }

            public void close() {
                s.close();
            }
        };
    }

    /**
     * The share mounted read-only on the host for the look (unmounted at the end). A share the host cannot mount now,
     * though it could at preflight, is the NFS server's or the network's outage: the dump may be there.
     */
    private Where nfs(RunContext ctx, DumpPlace place, Deadline d) {
        CommandResult m = ctx.device().runRoot(DumpFiles.nfsMountCommand(place.nfsShare()), NFS_MOUNT);
        String mount = m.stdout().strip();
        if (!m.ok() || !mount.startsWith("/")) {
            throw new InfrastructureException("dump-server", "cannot mount the NFS share " + place.nfsShare() + " on "
                    + ctx.host().name() + " to read this run's dump: " + (m.stderr() + m.stdout()).strip(), "the dump may be "
                    + "there: check the NFS server and the host's way to it; this is not a verdict on the kernel");
        }
        return new Where() {
            public CommandResult run(String command, Duration timeout) {
                return ctx.device().runRoot(command, timeout);
            }

            public String dir(String directory) {
                return directory.isEmpty() ? mount : mount + "/" + directory.replaceFirst("^/+", "");
            }

            public String display(String path) {
                return path.startsWith(mount) ? place.nfsShare() + path.substring(mount.length()) : path;
            }

            public void close() {
                ctx.device().runRoot(DumpFiles.nfsUnmountCommand(mount), NFS_MOUNT);
            }
        };
    }

    private Optional<RunResult.Evidence> find(RunContext ctx, DumpPlace place, Where where, Deadline d) {
        String dir = where.dir(place.directory());
        String listing = where.run(DumpFiles.listCommand(dir, place.hostTags(), facts.distro().dumpLayout()), LIST).out();
        long notBefore = trigger.guestClockSeconds() + place.serverClockOffsetSeconds() - SLACK_SECONDS;
        DumpFiles.Found found = DumpFiles.pick(listing, notBefore);
        if (found.dump().isEmpty()) {
            checkTarget(ctx, where, dir, DumpFiles.noDirectory(listing), place.nfs());
        }
        if (found.nothing()) {
            ctx.info("no dump from this run under " + where.display(dir));
            return Optional.empty();
        }
        RunResult.Evidence ev = new RunResult.Evidence();
        ev.foundOn = place.nfs() ? "nfs " + place.nfsShare() : place.remote() ? place.server().describe() : "host";
        ev.dmesgFile = found.dmesg().map(f -> where.display(f.path())).orElse(null);
        if (found.dump().isEmpty()) {
            DumpFiles.Listed part = found.incomplete().orElseThrow();
            ev.vmcorePath = where.display(part.path());
            ev.vmcoreSize = part.size();
            ev.incomplete = true;
            ev.readable = false;
            ctx.info("the dump of this run was left incomplete: " + ev.vmcorePath + " (" + part.size() + " bytes)");
            ctx.recorder().update(x -> x.evidence = ev);
            return Optional.of(ev);
        }
        DumpFiles.Listed dump = found.dump().get();
        ev.vmcorePath = where.display(dump.path());
        ev.vmcoreSize = dump.size();
        ev.incomplete = false;
        CommandResult r = where.run(DumpFiles.readCommand(dump.path()), d.remaining());
        ev.readWith = "makedumpfile --dump-dmesg" + (place.nfs() ? " on the host (the share mounted read-only)"
                : place.remote() ? " on the dump server" : "");
        ev.readable = r.ok();
        if (r.ok()) {
            List<String> lines = r.stdout().lines().toList();
            ev.panicMessage = lines.stream().filter(io.kdumplab.harness.verdict.KernelMessages::isPanicBanner).reduce((a, b) -> b)
                    .map(l -> l.replaceFirst("^\\[\\s*[0-9.]+\\]\\s*", "")).orElse(null);
            ev.lastKernelLines = new ArrayList<>(lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            ev.panicMessageSource = ev.panicMessage == null ? null : "vmcore-dmesg";
        }
        if (ev.panicMessage == null) {
            // Under a flood the dump's log can lack the banner ("Too many dropped messages") while the console had it.
            ctx.recorder().read(x -> x.phases.stream().filter(p -> p.phase() == Phase.PANIC).findFirst()).ifPresent(p -> {
                ev.panicMessage = p.text().replaceFirst("^\\[\\s*[0-9.]+\\]\\s*", "");
                ev.panicMessageSource = "console";
            });
        }
        ctx.info("vmcore " + ev.vmcorePath + " (" + ev.vmcoreSize + " bytes), readable: " + ev.readable
                + (ev.panicMessage == null ? "" : ", panic: " + ev.panicMessage));
        ctx.recorder().update(x -> x.evidence = ev);
        return Optional.of(ev);
    }

    /** No complete dump: could the target have taken one? What it lacks goes into the diagnosis. */
    /** readOnlyView: the harness looks through a read-only mount, so writability is not seen here (preflight checked it). */
    private static void checkTarget(RunContext ctx, Where where, String dir, boolean noDirectory, boolean readOnlyView) {
        Map<String, String> c = io.kdumplab.harness.util.KeyValues.parse(where.run(DumpFiles.targetCheckCommand(dir), LIST).out());
        String problem = null;
        if (noDirectory || "no".equals(c.get("exists"))) {
            problem = "the dump directory " + where.display(dir) + " does not exist";
        } else if (!readOnlyView && "no".equals(c.get("writable"))) {
            problem = "the dump directory " + where.display(dir) + " is not writable by " + c.get("user");
        } else if (c.get("free_kib") != null && c.get("free_kib").matches("[0-9]+") && Long.parseLong(c.get("free_kib")) < 64 * 1024) {
            problem = "the dump directory " + where.display(dir) + " has only " + c.get("free_kib") + " KiB free";
        }
        if (problem != null) {
            String p = problem;
            ctx.info("dump target: " + p);
            ctx.recorder().update(x -> x.target.dumpTargetProblem = p);
        }
    }
}
