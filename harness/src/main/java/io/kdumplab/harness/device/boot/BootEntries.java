package io.kdumplab.harness.device.boot;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.Distro;
import io.kdumplab.harness.device.CommandResult;
import io.kdumplab.harness.failure.InfrastructureException;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which kernel the host boots, changed as an admin would: on Debian with grub-reboot / grub-set-default
 * (GRUB_DEFAULT=saved through a grub.d drop-in), on RHEL with grub2-reboot and grubby. Commands that change
 * anything run as root through the device ({@link Device#runRoot}); fencing is the {@link Provisioner}'s.
 */
public interface BootEntries {
    /** The boot configuration before the harness changed it, as recorded in the bisection journal. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Original(String family, String savedEntry, boolean dropInExisted, String defaultKernel) {}

    Original capture(Device device);

    /**
     * The root command that boots the kernel once at the next boot, resolved now (read-only on the host), to be run
     * later with whatever shell the caller holds then (the nightly engine arms it before a crash).
     */
    String bootOnceCommand(Device device, String release);

    /** The root command that drops a pending one-time boot (a no-op when none is pending). */
    String clearOnceCommand();

    /** Makes the kernel the default for every later boot (trials reboot through kdump and power cycles). */
    void makeDefault(Device device, String release);

    /** Puts the original default back. */
    void restore(Device device, Original original);

    /**
     * A grubenv change followed by a checkpoint of its filesystem's journal. grub-editenv rewrites the file into a new
     * block, and GRUB reads the disk without replaying the journal: until the journal is checkpointed, a power cycle
     * (the recovery of a hang) finds the old environment (seen on the lab: the one-time boot armed before a wedged
     * panic was lost, a kdump reboot kept it because the capture kernel's mount replays the journal). Freezing and
     * thawing the filesystem checkpoints it (a blink: writers wait a few milliseconds). Best effort: where freezing is
     * not supported the change still takes at the next clean reboot.
     */
    static String checkpointed(String command, String grubenv) {
        String mount = "\"$(findmnt -n -o TARGET -T " + grubenv + ")\"";
        return command + " && { fsfreeze -f " + mount + " && fsfreeze -u " + mount + "; true; }";
    }

    static BootEntries forFamily(Distro.Family family) {
        return switch (family) {
            case RHEL -> new Grubby();
            case DEBIAN -> new DebianGrub();
        };
    }

    /** A boot-entry change as root; its failure names GRUB (the host's boot loader, not the build). */
    static void root(Device device, String cmd) {
        CommandResult r = device.runRoot(cmd, T);
        if (!r.ok()) {
            throw new InfrastructureException("ssh", "boot entry change failed on " + device.host() + ": " + cmd + " exited "
                    + r.exitStatus() + ": " + (r.stderr() + r.stdout()).strip(), "check GRUB on the host (grub-editenv, update-grub)");
        }
    }

    Duration T = Duration.ofSeconds(120);

    /** Debian and Ubuntu: GRUB 2 with /etc/default/grub.d and grubenv. */
    final class DebianGrub implements BootEntries {
        static final String DROPIN = "/etc/default/grub.d/99-kdump-harness-bisect.cfg";
        private static final String ENV = "/boot/grub/grubenv";

        @Override
        public Original capture(Device device) {
            Map<String, String> env = grubenv(device);
            boolean dropIn = device.shell().run("test -f " + DROPIN, T).ok();
            return new Original(Distro.Family.DEBIAN.id(), env.get("saved_entry"), dropIn, null);
        }

        @Override
        public String bootOnceCommand(Device device, String release) {
            return checkpointed("grub-reboot '" + entryId(device, release) + "'", ENV);
        }

        @Override
        public String clearOnceCommand() {
            return "grub-editenv - unset next_entry";
        }

        @Override
        public void makeDefault(Device device, String release) {
            String id = entryId(device, release);
            if (!device.shell().run("test -f " + DROPIN, T).ok()) {
                root(device, "printf '%s\\n' '# written by the NMI/kdump harness during a bisection; removed at its end'"
                        + " 'GRUB_DEFAULT=saved' > " + DROPIN + " && update-grub >/dev/null 2>&1");
            }
            root(device, checkpointed("grub-set-default '" + id + "'", ENV));
        }

        @Override
        public void restore(Device device, Original original) {
            StringBuilder cmd = new StringBuilder();
            if (!original.dropInExisted()) {
                cmd.append("rm -f ").append(DROPIN).append(" && ");
            }
            cmd.append("grub-editenv - unset next_entry && ");
            cmd.append(original.savedEntry() == null ? "grub-editenv - unset saved_entry"
                    : "grub-editenv - set 'saved_entry=" + original.savedEntry() + "'");
            cmd.append(" && update-grub >/dev/null 2>&1");
            root(device, checkpointed(cmd.toString(), ENV));
        }

        private static Map<String, String> grubenv(Device device) {
            Map<String, String> env = new LinkedHashMap<>();
            for (String l : device.shell().run("grub-editenv list 2>/dev/null", T).out().split("\n")) {
                int eq = l.indexOf('=');
                if (eq > 0) {
                    env.put(l.substring(0, eq), l.substring(eq + 1));
                }
            }
            return env;
        }

        private static String entryId(Device device, String release) {
            String cfg = device.shell().run("cat /boot/grub/grub.cfg", T).stdout();
            return GrubMenu.entryFor(cfg, release).orElseThrow(() -> new BuildProblem(
                    "no GRUB menu entry boots " + release + " (is /boot/vmlinuz-" + release + " installed and update-grub run?)"));
        }
    }

    /** RHEL, Fedora, CentOS Stream: BLS entries managed by grubby. */
    final class Grubby implements BootEntries {
        @Override
        public Original capture(Device device) {
            return new Original(Distro.Family.RHEL.id(), null, false, device.shell().check("grubby --default-kernel", T));
        }

        @Override
        public String clearOnceCommand() {
            return "grub2-editenv - unset next_entry";
        }

        @Override
        public String bootOnceCommand(Device device, String release) {
            String id = device.shell().check("grubby --info=/boot/vmlinuz-" + release
                    + " | sed -n 's/^id=\"\\(.*\\)\"$/\\1/p' | head -n 1", T);
            if (id.isBlank()) {
                throw new BuildProblem("grubby knows no entry for /boot/vmlinuz-" + release);
            }
            return checkpointed("grub2-reboot '" + id + "'", "/boot/grub2/grubenv");
        }

        @Override
        public void makeDefault(Device device, String release) {
            root(device, "grubby --set-default=/boot/vmlinuz-" + release);
        }

        @Override
        public void restore(Device device, Original original) {
            root(device, "grubby --set-default=" + original.defaultKernel());
        }
    }
}
