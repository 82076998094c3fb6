package io.kdumplab.harness.device;

import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;
import io.kdumplab.harness.wait.WaitTimeoutException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The device under test as the steps see it: a shell, a BMC (power, NMI) and
 * a console, opened in that order and closed in reverse. Root or `sudo -n` is
 * worked out once, when the shell opens. Steps use the protocols only, so a
 * fake device can stand in for the lab in unit tests.
 */
public final class Device implements AutoCloseable {
    /** Opens shells: a connection for the run (retried within its deadline), or a one-shot probe. */
    public interface ShellConnector {
        CommandShell connect(Deadline deadline);

        CommandShell probe(Duration timeout);
    }

    public interface BmcConnector {
        Bmc open();
    }

    public interface ConsoleOpener {
        /** Starts capturing into dir/console.log; returns at once (the capture connects in the background). */
        ConsoleSource open(Path dir, Consumer<String> log);
    }

    /** distro: tells the host's distribution family from its shell (the inventory's word or os-release). */
    public record Drivers(ShellConnector shell, BmcConnector bmc, ConsoleOpener console, Distro.Detector distro) {}

    private static final String BOOT_ID = "cat /proc/sys/kernel/random/boot_id";

    private final String host;
    private final Drivers drivers;
    private final DriverState state;
    private volatile CommandShell shell;
    private volatile Bmc bmc;
    private volatile ConsoleSource console;
    private String sudo = "";
    private Distro distro;

    public Device(String host, Drivers drivers) {
        this.host = host;
        this.drivers = drivers;
        this.state = new DriverState("Device(" + host + ")", "host");
        state.opened();
    }

    public String host() {
        return host;
    }

    /** Connects the shell and works out how to become root. */
    public void openShell(Deadline deadline) {
        state.require("openShell");
        shell = drivers.shell().connect(deadline);
        String uid = shell.check("id -u", Duration.ofSeconds(15));
        if (!"0".equals(uid)) {
            if (!shell.run("sudo -n true", Duration.ofSeconds(15)).ok()) {
                throw new ConfigurationException(shell.describe() + " is not root and has no passwordless sudo",
                        "log in as root (inventory ssh.user) or allow 'sudo -n' for that user");
            }
            sudo = "sudo -n ";
        }
    }

    /** A new shell after a reboot or a cut link (the old one is closed). */
    public void reconnectShell(Deadline deadline) {
        state.require("reconnectShell");
        CommandShell old = shell;
        if (old != null) {
            old.close();
        }
        shell = drivers.shell().connect(deadline);
    }

    /** Cuts the shell at once (a step ran out of time while a command hung): the next user reconnects. */
    public void cutShell() {
        CommandShell s = shell;
        if (s != null) {
            s.close();
        }
    }

    /**
     * Cuts every link a step may be blocked on (a step ran out of time): the shell and the BMC session; the next
     * user reconnects (steps open a fresh BMC session each time). The console capture is the run's record and keeps
     * reading; its waits have deadlines of their own.
     */
    public void cutLinks() {
        cutShell();
        Bmc b = bmc;
        if (b != null) {
            b.close();
        }
    }

    /**
     * The host's distribution, detected once (with the first shell); an unsupported family is refused here with a
     * ConfigurationException naming what was found, before the host is changed.
     */
    public synchronized Distro distro() {
        if (distro == null) {
            distro = drivers.distro().detect(shell());
        }
        return distro;
    }

    public boolean hasShell() {
        return shell != null;
    }

    public CommandShell shell() {
        state.require("shell");
        CommandShell s = shell;
        if (s == null) {
            throw new IllegalStateException("Device(" + host + ").shell() called before openShell()");
        }
        return s;
    }

    /** "" for root, "sudo -n " otherwise. */
    public String sudo() {
        return sudo;
    }

    /** A command as root, wrapped for sudo when needed. */
    public String asRoot(String command) {
        return sudo.isEmpty() ? command : sudo + "sh -c '" + command.replace("'", "'\\''") + "'";
    }

    public String root(String command, Duration timeout) {
        return shell().check(asRoot(command), timeout);
    }

    public CommandResult runRoot(String command, Duration timeout) {
        return shell().run(asRoot(command), timeout);
    }

    /** Opens the BMC session (or a fresh one: BMCs drop idle sessions, ipmi_sim after about 30 s). */
    public Bmc freshBmc() {
        state.require("freshBmc");
        Bmc old = bmc;
        if (old != null) {
            old.close();
        }
        bmc = drivers.bmc().open();
        return bmc;
    }


    public ConsoleSource openConsole(Path dir, Consumer<String> log) {
        state.require("openConsole");
        console = drivers.console().open(dir, log);
        return console;
    }

    public Optional<ConsoleSource> console() {
        return Optional.ofNullable(console);
    }

    /**
     * A one-shot shell for a short look ("is it up, what does it run?"), bounded by `timeout` also when a hung host
     * accepts TCP and never answers; the caller closes it. Not the device's shell: a probe never waits for a boot.
     */
    public CommandShell probeShell(Duration timeout) {
        state.require("probeShell");
        return drivers.shell().probe(timeout);
    }

    /** The host's boot id if a fresh probe connection answers within the timeout. */
    public Optional<String> probeBootId(Duration timeout) {
        try (CommandShell probe = drivers.shell().probe(timeout)) {
            String id = probe.run(BOOT_ID, timeout).out();
            return id.isEmpty() ? Optional.empty() : Optional.of(id);
        } catch (HarnessException e) {
            return Optional.empty();
        }
    }

    public String bootId() {
        return shell().check(BOOT_ID, Duration.ofSeconds(15));
    }

    /**
     * The one "back with a new boot" condition: SSH answers with a boot id other than `oldBootId` ("" when unknown:
     * any boot counts), then the device's shell is reconnected. `giveUp` is asked on every poll; an error it returns
     * ends the wait at once (the console showed the host dying). False when the deadline passes first.
     */
    public boolean awaitNewBoot(String oldBootId, Deadline d, Supplier<Optional<? extends RuntimeException>> giveUp) {
        try {
            Wait.until(d, Duration.ofSeconds(2), () -> {
                var stop = giveUp.get();
                if (stop.isPresent()) {
                    return Wait.Result.fatal(stop.get());
                }
                return probeBootId(Duration.ofSeconds(8))
                        .filter(id -> !id.equals(oldBootId))
                        .map(Wait.Result::ready)
                        .orElseGet(() -> Wait.Result.notYet("no SSH answer with a new boot id"));
            });
        } catch (WaitTimeoutException e) {
            return false;
        }
        reconnectShell(d.child("reconnect after the reboot", Duration.ofSeconds(60)));
        return true;
    }

    public boolean awaitNewBoot(String oldBootId, Deadline d) {
        return awaitNewBoot(oldBootId, d, Optional::empty);
    }

    /** Asks the host to reboot (as root) and drops the shell, which the reboot ends; see {@link #awaitNewBoot}. */
    public void reboot() {
        shell().runExpectingDisconnect(asRoot("systemctl reboot"));
        cutShell();
    }

    /** Console, then BMC, then shell: the reverse of opening. A second close is harmless. */
    @Override
    public void close() {
        if (!state.closed()) {
            return;
        }
        ConsoleSource c = console;
        if (c != null) {
            c.close();
        }
        Bmc b = bmc;
        if (b != null) {
            b.close();
        }
        CommandShell s = shell;
        if (s != null) {
            s.close();
        }
    }
}
