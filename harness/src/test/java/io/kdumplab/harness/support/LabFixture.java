package io.kdumplab.harness.support;

import io.kdumplab.harness.lab.LabEndpoints;

import io.kdumplab.harness.lab.LabKernels;
import io.kdumplab.harness.lab.LabPaths;
import io.kdumplab.harness.lab.LabSpec;
import io.kdumplab.harness.lab.LabState;
import io.kdumplab.harness.lab.VirtualLab;
import io.kdumplab.harness.device.ssh.SshShell;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The real virtual lab shared by the integration tests: brought up once per
 * JVM (lab "it"), torn down by {@link LabSuiteListener} at the end.
 * Integration tests are never skipped: if the lab cannot come up, they fail.
 */
public final class LabFixture {
    public static final String NAME = "it";
    private static LabState state;
    private static LabKernels kernels;

    private LabFixture() {}

    public static VirtualLab lab() {
        return new VirtualLab(LabPaths.fromEnvironment(), msg -> System.err.println("[lab " + NAME + "] " + msg));
    }

    public static synchronized LabState up() {
        if (state != null) {
            // a harness process under test may have restarted the lab (it found it left over): use it as it is now
            var now = lab().state(NAME);
            if (now.isPresent() && !now.get().startedAt().equals(state.startedAt()) && lab().liveness(NAME).up()) {
                System.err.println("[lab " + NAME + "] restarted by a harness process at " + now.get().startedAt()
                        + ": using it as it is now");
                state = now.get();
            }
        }
        if (state == null) {
            // every test JVM starts from the base image: nothing left over from an earlier run can leak in
            VirtualLab lab = lab();
            lab.down(NAME);
            lab.reset(LabSpec.defaults(NAME));
            state = lab.up(LabSpec.defaults(NAME));
        }
        return state;
    }

    /** The kernels the lab's image carries, by role: tests name kernels through this, never as literals. */
    public static synchronized LabKernels kernels() {
        if (kernels == null) {
            kernels = lab().image().kernels();
        }
        return kernels;
    }

    /** Where the lab's guest sends its dumps (the lab's SSH dump server, or its own /var/crash). */
    public static synchronized LabState dumpTarget(io.kdumplab.harness.lab.LabDumpTarget.Kind kind) {
        up();
        state = lab().dumpTarget(NAME, kind);
        return state;
    }

    /** The lab was (re)started by a harness process: take its state as it is now. */
    public static synchronized LabState adopt() {
        state = lab().state(NAME).orElseThrow(() -> new IllegalStateException("lab " + NAME + " has no state"));
        return state;
    }

    /** The lab was stopped behind the fixture's back: the next up() starts it again. */
    public static synchronized void forget() {
        state = null;
    }

    public static synchronized void down() {
        if (state != null) {
            lab().down(NAME);
            state = null;
        }
    }

    /**
     * An inventory naming the lab's guest as the built-in one does ("virtual-lab": the same lease and claim), but
     * reached through the lab's Redfish BMC: one crash cycle then proves Redfish power and NMI as well.
     */
    public static Path redfishInventory() throws java.io.IOException {
        Path inv = Files.createTempFile("redfish-inventory", ".yaml");
        Files.writeString(inv, "hosts:\n  - {name: virtual-lab, lab: " + NAME + ", bmc: {type: redfish}, console: {type: tcp}}\n");
        return inv;
    }

    public static SshShell ssh() {
        return SshShell.connect(LabEndpoints.ssh(up()), Duration.ofSeconds(10));
    }

    /**
     * An "is it up, which boot?" connection for waits across a reboot: bounded by its read timeout too (a booting
     * guest behind QEMU's port forward accepts TCP and sends no banner; {@link #ssh()} would sit 30 s on it).
     */
    public static SshShell probe() {
        return SshShell.probe(LabEndpoints.ssh(up()), Duration.ofSeconds(8));
    }

    /** The guest's GRUB environment without a pending one-time boot: what "the default boot entry is unchanged" compares. */
    public static String grubenv(SshShell t) {
        return t.check("grub-editenv list | grep -v '^next_entry=' | sort", Duration.ofSeconds(10));
    }

    /** Waits until the guest answers SSH again (after a crash, reset or power cycle). */
    public static void awaitSsh(Duration timeout) {
        LabState s = up();
        lab().waitForSsh(lab().dir(NAME), s, timeout);
    }

    /** Byte offset of the console log now: tests read what came after it. */
    public static long consoleMark() {
        try {
            return Files.size(Path.of(up().consoleLog()));
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    public static String consoleSince(long mark) {
        try {
            byte[] all = Files.readAllBytes(Path.of(up().consoleLog()));
            int from = (int) Math.min(mark, all.length);
            return new String(all, from, all.length - from, StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
