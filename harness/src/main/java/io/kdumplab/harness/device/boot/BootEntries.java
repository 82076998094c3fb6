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
 * (GRUB_DEFAULT=saved through a grub.d drop-in), on SUSE with grub2-reboot / grub2-set-default, on RHEL with
 * grub2-reboot and grubby. Commands that change
 * anything run as root through the device ({@link Device#runRoot}); fencing is the {@link Provisioner}'s.
 */
public interface BootEntries {
    /**
     * The boot configuration before the harness changed it, as recorded in the bisection journal. `dropInExisted`
     * (the journal's word since Debian came first): GRUB_DEFAULT=saved was in effect before, so restore leaves it.
     */
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
            case DEBIAN -> GrubEnv.debian();
            case SUSE -> GrubEnv.suse();
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

    /**
     * GRUB 2 with its environment block, addressed by menu entry: Debian and Ubuntu (grub-*, /boot/grub, a grub.d
     * drop-in for GRUB_DEFAULT=saved, update-grub) and SUSE (grub2-*, /boot/grub2, GRUB_DEFAULT=saved by default in
     * /etc/default/grub, which reads no drop-ins: a marked line when it is missing, grub2-mkconfig).
     */
    final class GrubEnv implements BootEntries {
        static final String DEBIAN_DROPIN = "/etc/default/grub.d/99-kdump-harness-bisect.cfg";
        static final String SUSE_MARK = "# written by the NMI/kdump harness during a bisection";

        private final Distro.Family family;
        private final String tool;
        private final String cfg;
        private final String env;
        private final String mkconfig;
        /** True when GRUB_DEFAULT=saved is in effect already; then the harness adds nothing and removes nothing. */
        private final String savedDefaultCheck;
        private final String addSavedDefault;
        private final String removeSavedDefault;

        private GrubEnv(Distro.Family family, String tool, String dir, String mkconfig, String savedDefaultCheck,
                        String addSavedDefault, String removeSavedDefault) {
            this.family = family;
            this.tool = tool;
            this.cfg = dir + "/grub.cfg";
            this.env = dir + "/grubenv";
            this.mkconfig = mkconfig;
            this.savedDefaultCheck = savedDefaultCheck;
            this.addSavedDefault = addSavedDefault;
            this.removeSavedDefault = removeSavedDefault;
        }

        static GrubEnv debian() {
            return new GrubEnv(Distro.Family.DEBIAN, "grub", "/boot/grub", "update-grub >/dev/null 2>&1", "test -f " + DEBIAN_DROPIN,
                    "printf '%s\\n' '# written by the NMI/kdump harness during a bisection; removed at its end'"
                            + " 'GRUB_DEFAULT=saved' > " + DEBIAN_DROPIN, "rm -f " + DEBIAN_DROPIN);
        }

        static GrubEnv suse() {
            return new GrubEnv(Distro.Family.SUSE, "grub2", "/boot/grub2", "grub2-mkconfig -o /boot/grub2/grub.cfg >/dev/null 2>&1",
                    "grep -Eq '^GRUB_DEFAULT=[\"'\\'']?saved' /etc/default/grub",
                    "printf '%s\\n' 'GRUB_DEFAULT=saved " + SUSE_MARK + "' >> /etc/default/grub",
                    "sed -i '/" + SUSE_MARK.replace("/", "\\/") + "$/d' /etc/default/grub");
        }

        @Override
        public Original capture(Device device) {
            Map<String, String> env = grubenv(device);
            boolean savedDefault = device.shell().run(savedDefaultCheck, T).ok();
            return new Original(family.id(), env.get("saved_entry"), savedDefault, null);
        }

        @Override
        public String bootOnceCommand(Device device, String release) {
            return checkpointed(tool + "-reboot '" + entryId(device, release) + "'", env);
        }

        @Override
        public String clearOnceCommand() {
            return tool + "-editenv - unset next_entry";
        }

        @Override
        public void makeDefault(Device device, String release) {
            String id = entryId(device, release);
            if (!device.shell().run(savedDefaultCheck, T).ok()) {
                root(device, addSavedDefault + " && " + mkconfig);
            }
            root(device, checkpointed(tool + "-set-default '" + id + "'", env));
        }

        @Override
        public void restore(Device device, Original original) {
            StringBuilder cmd = new StringBuilder();
            if (!original.dropInExisted()) {
                cmd.append(removeSavedDefault).append(" && ");
            }
            cmd.append(tool).append("-editenv - unset next_entry && ");
            cmd.append(original.savedEntry() == null ? tool + "-editenv - unset saved_entry"
                    : tool + "-editenv - set 'saved_entry=" + original.savedEntry() + "'");
            cmd.append(" && ").append(mkconfig);
            root(device, checkpointed(cmd.toString(), env));
        }

        private Map<String, String> grubenv(Device device) {
            Map<String, String> out = new LinkedHashMap<>();
            for (String l : device.shell().run(tool + "-editenv list 2>/dev/null", T).out().split("\n")) {
                int eq = l.indexOf('=');
                if (eq > 0) {
                    out.put(l.substring(0, eq), l.substring(eq + 1));
                }
            }
            return out;
        }

        private String entryId(Device device, String release) {
            String menu = device.shell().run("cat " + cfg, T).stdout();
            return GrubMenu.entryFor(menu, release).orElseThrow(() -> new BuildProblem(
                    "no GRUB menu entry boots " + release + " (is /boot/vmlinuz-" + release + " installed and " + cfg
                            + " regenerated?)"));
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
