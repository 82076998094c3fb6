package io.kdumplab.harness.lab;

import io.kdumplab.harness.util.AtomicFiles;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.util.ProcessIdentity;
import io.kdumplab.harness.util.Processes;
import io.kdumplab.harness.util.Secret;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;
import io.kdumplab.harness.wait.WaitTimeoutException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The virtual lab: ipmi_sim as the BMC (owning the QEMU guest), the console
 * relay as the serial line, and a copy-on-write disk over the cached image.
 * Each instance lives in its own directory and can run beside others.
 */
public final class VirtualLab {
    public static final String HOST = "127.0.0.1";
    public static final String BMC_USER = "admin";
    public static final String SSH_USER = "root";

    public static final Duration SSH_UP_TIMEOUT = Duration.ofSeconds(240);
    public static final Duration KDUMP_READY_TIMEOUT = Duration.ofSeconds(150);
    public static final Duration BMC_UP_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration IMAGE_BUILD_TIMEOUT = Duration.ofMinutes(40);

    private final LabPaths paths;
    private final Consumer<String> progress;
    private final Prerequisites prerequisites;
    private final ImageRecipe recipe;

    public VirtualLab(LabPaths paths, Consumer<String> progress) {
        this(paths, progress, new Prerequisites(), ImageRecipe.debianGuest());
    }

    public VirtualLab(LabPaths paths, Consumer<String> progress, Prerequisites prerequisites, ImageRecipe recipe) {
        this.paths = paths;
        this.progress = progress;
        this.prerequisites = prerequisites;
        this.recipe = recipe;
    }

    public Path dir(String name) {
        return paths.lab(name);
    }

    public ImageCache imageCache() {
        return new ImageCache(paths.images(), progress, IMAGE_BUILD_TIMEOUT);
    }

    /** Builds (or verifies) the guest image without starting a lab. */
    public GuestImage image() {
        if (!imageCache().isCached(recipe)) {
            prerequisites.requireForImageBuild();
        }
        return imageCache().ensure(recipe);
    }

    // ------------------------------------------------------------------ up

    public LabState up(LabSpec spec) {
        return up(spec, false);
    }

    /**
     * The lab up: as it is when it is up, else started (a left-over one cleaned up first). Under the lab's lock, so a
     * second caller that found it starting waits for that start and then uses the lab, instead of starting it again.
     */
    public LabState ensureUp(LabSpec spec) {
        return up(spec, true);
    }

    private LabState up(LabSpec spec, boolean reuse) {
        prerequisites.requireForLab();
        Path dir = dir(spec.name());
        mkdirs(dir);
        try (LabLock lock = LabLock.acquire(dir, spec.name())) {
            Optional<LabState> existing = LabState.load(dir);
            if (existing.isPresent()) {
                LabState s = existing.get();
                LabLiveness live = LabLiveness.of(existing, ProcessIdentity.Proc.LINUX);
                if (live.up() && reuse) {
                    return s;
                }
                if (live.up()) {
                    throw new ConfigurationException("lab '" + spec.name() + "' is already up (BMC " + s.host() + ":"
                            + s.bmcPort() + ", SSH port " + s.sshPort() + ")",
                            "use it as it is ('lab status --name " + spec.name() + "'), or stop it first with 'lab down --name "
                                    + spec.name() + "'");
                }
                progress.accept("lab '" + spec.name() + "' is " + live.why() + "; cleaning up and starting it afresh");
                LabProcesses.stopAll(dir, s);
                LabState.delete(dir);
            } else if (LabProcesses.qemuAlive(dir)) {
                progress.accept("lab '" + spec.name() + "' has a QEMU without a BMC; stopping it");
                LabProcesses.stopAll(dir, null);
            }
            GuestImage image = image();
            NativeHelpers.Built helpers = new NativeHelpers(paths.nativeHelpers()).ensureBuilt();
            Path overlay = ensureOverlay(dir, image);

            FreePorts ports = new FreePorts(HOST);
            int bmcPort = ports.udp("BMC (RMCP+)", spec.bmcPort());
            int sshPort = ports.tcp("SSH forward", spec.sshPort());
            int consolePort = ports.tcp("console server", spec.consolePort());
            int vmPort = ports.tcp("BMC-VM link", 0);

            Path passwordFile = dir.resolve("bmc-password");
            if (!Files.exists(passwordFile)) {
                byte[] b = new byte[12]; // 16 characters: ipmi_sim keeps at most 16
                new SecureRandom().nextBytes(b);
                AtomicFiles.writePrivate(passwordFile, Base64.getUrlEncoder().withoutPadding().encodeToString(b) + "\n");
            }
            String password = Secret.fromFile(passwordFile).reveal();
            Path knownHosts = dir.resolve("known_hosts");
            AtomicFiles.write(knownHosts, "[" + HOST + "]:" + sshPort + " " + image.hostKeyLine() + "\n");

            List<String> qemu = QemuCommand.build(spec, dir, overlay, HOST, sshPort, vmPort);
            AtomicFiles.writePrivate(dir.resolve("lan.conf"), BmcConfig.lanConf(spec.name(), HOST, bmcPort, vmPort,
                    consolePort, helpers.diagPlugin().toString(), BMC_USER, password, qemu,
                    dir.resolve("qemu.log").toString()));
            AtomicFiles.write(dir.resolve("lab.emu"), BmcConfig.emulatorCommands());
            deleteIfExists(dir.resolve("qemu.pid"));

            progress.accept("starting the serial line (" + spec.baud() + " baud) and the BMC");
            long relayPid = Processes.startDetached(List.of(helpers.consoleRelay().toString(),
                    "--fifo", dir.resolve("line").toString(),
                    "--listen", HOST + ":" + consolePort,
                    "--pty-link", dir.resolve("ttyS0").toString(),
                    "--log", dir.resolve("console.log").toString(),
                    "--rate", Integer.toString(spec.lineBytesPerSecond()),
                    "--pidfile", dir.resolve("relay.pid").toString()), dir.resolve("relay.log"), dir);
            ProcessStart.awaitListening(relayPid, "console relay", "console", consolePort, dir.resolve("relay.log"),
                    Duration.ofSeconds(10), () -> Files.exists(dir.resolve("ttyS0")));

            mkdirs(dir.resolve("bmc-state"));
            long bmcPid = Processes.startDetached(List.of("ipmi_sim", "-c", dir.resolve("lan.conf").toString(),
                    "-f", dir.resolve("lab.emu").toString(), "-s", dir.resolve("bmc-state").toString(), "-n"),
                    dir.resolve("bmc.log"), dir);

            ProcessIdentity relayId = ProcessStart.identity(relayPid, "console relay", dir.resolve("relay.log"));
            ProcessIdentity bmcId = ProcessStart.identity(bmcPid, "BMC (ipmi_sim)", dir.resolve("bmc.log"));
            LabState state = new LabState(spec.name(), HOST, bmcPort, sshPort, consolePort, vmPort, relayPid, bmcPid,
                    BMC_USER, passwordFile.toString(), SSH_USER, image.sshKey().toString(), image.hostKeyFingerprint(),
                    knownHosts.toString(), dir.resolve("ttyS0").toString(), dir.resolve("console.log").toString(),
                    image.dir().toString(), image.recipeHash(), image.kernel(), image.rtKernel(), spec.accel(),
                    spec.baud(), Instant.now().toString(), bmcId.bootId(), relayId.startTicks(), bmcId.startTicks(),
                    null, null, null, null, false, null);
            if (TelnetConsoleProcess.available()) {
                int telnetPort = ports.tcp("telnet console server", 0);
                ProcessIdentity t = TelnetConsoleProcess.start(dir, dir.resolve("ttyS0").toString(), telnetPort, spec.baud(),
                        progress);
                state = state.withTelnet(new LabState.TelnetConsole(telnetPort, t.pid(), t.startTicks()));
            } else {
                progress.accept("ser2net is not installed: the lab has no telnet console server (apt-get install ser2net)");
            }
            if (SshConsoleProcess.available()) {
                state = SshConsoleProcess.start(dir, state, ports.tcp("SSH console", 0), progress);
            } else {
                progress.accept("sshd or socat is not installed: the lab has no SSH console (apt-get install openssh-server socat)");
            }
            state.save(dir);

            GuestReadiness guest = new GuestReadiness(progress);
            try {
                guest.awaitBmc(dir, state);
                state = RedfishProcess.start(dir, state, ports.tcp("Redfish (HTTPS)", 0), progress);
                state.save(dir);
                guest.awaitSsh(dir, state, SSH_UP_TIMEOUT);
                if (LabDumpTarget.chosen(dir) != LabDumpTarget.Kind.LOCAL) {
                    state = LabDumpTarget.apply(dir, state, LabDumpTarget.chosen(dir), ports, progress);
                }
                guest.awaitKdump(state, KDUMP_READY_TIMEOUT);
                state = state.asReady();
                state.save(dir);
            } catch (HarnessException | WaitTimeoutException e) {
                progress.accept("lab '" + spec.name() + "' did not come up; its processes keep running for diagnosis: "
                        + "'lab status' / 'lab down --name " + spec.name() + "'");
                throw e;
            }
            return state;
        }
    }

    /** Waits until SSH answers with the pinned host key; on timeout, says what the console showed last. */
    public void waitForSsh(Path dir, LabState s, Duration timeout) {
        new GuestReadiness(progress).awaitSsh(dir, s, timeout);
    }

    private Path ensureOverlay(Path dir, GuestImage image) {
        Path overlay = dir.resolve("disk.qcow2");
        Path marker = dir.resolve("disk.base");
        String base = image.recipeHash();
        try {
            String current = Files.exists(marker) ? Files.readString(marker).trim() : "";
            if (Files.exists(overlay) && current.equals(base)) {
                return overlay;
            }
            if (Files.exists(overlay)) {
                progress.accept("the base image changed: starting this lab from a fresh overlay");
            }
            createOverlay(overlay, image);
            AtomicFiles.write(marker, base + "\n");
            return overlay;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void createOverlay(Path overlay, GuestImage image) throws IOException {
        Files.deleteIfExists(overlay);
        Processes.Outcome o = Processes.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2",
                "-b", image.disk().toString(), overlay.toString()), Duration.ofSeconds(60), null);
        if (!o.ok()) {
            throw new InfrastructureException("lab", "qemu-img could not create the overlay " + overlay + ": "
                    + o.output().strip(), "check free disk space");
        }
    }

    // ------------------------------------------------------------------ dump target

    /** Switches where the running lab's guest sends its dumps; the choice is kept for the lab's next start. */
    public LabState dumpTarget(String name, LabDumpTarget.Kind kind) {
        Path dir = dir(name);
        requireUp(name);
        if (kind == LabDumpTarget.Kind.SSH) {
            DumpServerProcess.requirePrerequisites(); // before the guest is touched
        } else if (kind == LabDumpTarget.Kind.NFS) {
            NfsServerProcess.requirePrerequisites();
        }
        try (LabLock lock = LabLock.acquire(dir, name)) {
            LabState s = LabDumpTarget.apply(dir, state(name).orElseThrow(), kind, new FreePorts(HOST), progress);
            LabDumpTarget.choose(dir, kind);
            return s;
        }
    }

    // ------------------------------------------------------------------ down / reset

    /** Stops a lab; returns false when it was not up (nothing to do). */
    public boolean down(String name) {
        Path dir = dir(name);
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (LabLock lock = LabLock.acquire(dir, name)) {
            Optional<LabState> s = LabState.load(dir);
            LabLiveness live = LabLiveness.of(s, ProcessIdentity.Proc.LINUX);
            boolean wasUp = live.up() || LabProcesses.qemuAlive(dir);
            if (live.leftOver()) {
                progress.accept("lab '" + name + "' is " + live.why() + "; cleaning up");
            }
            LabProcesses.stopAll(dir, s.orElse(null));
            LabState.delete(dir);
            if (live.up()) {
                List<String> busy = busyPorts(s.get());
                if (!busy.isEmpty()) {
                    throw new InfrastructureException("lab", "after stopping lab '" + name + "' these ports are still in use: "
                            + busy, "find the owner with ss -lntup");
                }
            }
            return wasUp;
        }
    }

    /** Returns the instance to the base image: a fresh overlay. Brings it back up if it was up. */
    public Optional<LabState> reset(LabSpec spec) {
        boolean wasUp = liveness(spec.name()).up();
        down(spec.name());
        Path dir = dir(spec.name());
        mkdirs(dir);
        deleteIfExists(dir.resolve("disk.qcow2"));
        deleteIfExists(dir.resolve("disk.base"));
        deleteIfExists(dir.resolve(LabDumpTarget.FILE)); // the base image sends dumps to its own /var/crash
        progress.accept("lab '" + spec.name() + "' reset to the base image");
        return wasUp ? Optional.of(up(spec)) : Optional.empty();
    }

    private List<String> busyPorts(LabState s) {
        List<String> busy = new ArrayList<>();
        FreePorts fp = new FreePorts(s.host());
        Wait.Probe<Boolean> allFree = () -> {
            busy.clear();
            if (!fp.free(s.bmcPort(), true)) {
                busy.add(s.bmcPort() + "/udp");
            }
            for (int p : new int[] {s.sshPort(), s.consolePort(), s.vmPort(), s.redfishPort(),
                    s.dumpServer() == null ? 0 : s.dumpServer().port(), s.telnet() == null ? 0 : s.telnet().port(),
                    s.sshConsole() == null ? 0 : s.sshConsole().port()}) {
                if (p > 0 && !fp.free(p, false)) {
                    busy.add(p + "/tcp");
                }
            }
            return busy.isEmpty() ? Wait.Result.ready(true) : Wait.Result.notYet(busy.toString());
        };
        try {
            Wait.until(Deadline.in("lab ports released", Duration.ofSeconds(10)), Duration.ofMillis(200), allFree);
        } catch (WaitTimeoutException e) {
            return busy;
        }
        return List.of();
    }

    // ------------------------------------------------------------------ status

    public Optional<LabState> state(String name) {
        return LabState.load(dir(name));
    }

    /** Up, left over or not started: from the state file and /proc alone, in milliseconds. */
    public LabLiveness liveness(String name) {
        return LabLiveness.of(state(name), ProcessIdentity.Proc.LINUX);
    }

    public LabState requireUp(String name) {
        LabLiveness live = liveness(name);
        if (!live.up()) {
            throw new ConfigurationException("virtual lab '" + name + "' is down: " + live.why() + "; run ./harness.sh lab up"
                    + " --name " + name, "./harness.sh lab up --name " + name);
        }
        return state(name).orElseThrow();
    }

    public LabStatus status(String name) {
        return LabStatusProbe.probe(name, dir(name), state(name), liveness(name));
    }

    // ------------------------------------------------------------------ endpoints

    /** Endpoints of running labs only: an inventory naming a lab that is down is an error, not a lab start. */
    public io.kdumplab.harness.inventory.VirtualLabs running() {
        return name -> LabEndpoints.of(dir(name), requireUp(name));
    }

    /**
     * Endpoints of labs, starting one that is not up, left over included (what `repro` without an inventory and an
     * inventory host with `lab:` promise).
     */
    public io.kdumplab.harness.inventory.VirtualLabs startingIfNeeded() {
        return name -> {
            LabLiveness live = liveness(name);
            if (live.up()) {
                return LabEndpoints.of(dir(name), state(name).orElseThrow());
            }
            long t0 = System.nanoTime();
            progress.accept("lab '" + name + "' is " + (live.leftOver() ? live.why() : "not running") + ": bringing it up");
            LabState s = ensureUp(LabSpec.defaults(name));
            progress.accept(String.format("lab '%s' is up (%.0f s)", name, (System.nanoTime() - t0) / 1e9));
            return LabEndpoints.of(dir(name), s);
        };
    }

    // ------------------------------------------------------------------ helpers

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteIfExists(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
