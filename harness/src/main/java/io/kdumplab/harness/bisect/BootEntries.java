package io.kdumplab.harness.bisect;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.kdumplab.harness.device.ssh.CommandResult;
import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.failure.InfrastructureException;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which kernel the host boots, changed as an admin would: on Debian with
 * grub-reboot / grub-set-default (GRUB_DEFAULT=saved through a grub.d
 * drop-in), on RHEL with grub2-reboot and grubby. A build is first booted
 * once (a kernel that does not come up falls back to the old default at the
 * next power cycle), and made the default only after it answered on SSH.
 * The host's original setting is captured before any change and restored at
 * the end.
 */
public interface BootEntries {
    /** The boot configuration before the harness changed it, as recorded in the journal. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Original(String family, String savedEntry, boolean dropInExisted, String defaultKernel) {}

    Original capture(SshShell ssh);

    /** Boots the kernel once at the next boot. */
    void bootOnce(SshShell ssh, String release);

    /**
     * The root command that boots the kernel once at the next boot, resolved now (read-only on the host), to be run
     * later with whatever shell the caller holds then (the nightly engine arms it before a crash).
     */
    String bootOnceCommand(SshShell ssh, String release);

    /** The root command that drops a pending one-time boot (a no-op when none is pending). */
    String clearOnceCommand();

    /** Makes the kernel the default for every later boot (trials reboot through kdump and power cycles). */
    void makeDefault(SshShell ssh, String release);

    /** Puts the original default back. */
    void restore(SshShell ssh, Original original);

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

    static BootEntries forFamily(String family) {
        return "rhel".equals(family) ? new Grubby() : new DebianGrub();
    }

    /** Debian and Ubuntu: GRUB 2 with /etc/default/grub.d and grubenv. */
    final class DebianGrub implements BootEntries {
        static final String DROPIN = "/etc/default/grub.d/99-kdump-harness-bisect.cfg";
        private static final String ENV = "/boot/grub/grubenv";
        private static final Duration T = Duration.ofSeconds(120);

        @Override
        public Original capture(SshShell ssh) {
            Map<String, String> env = grubenv(ssh);
            boolean dropIn = ssh.run("test -f " + DROPIN, T).ok();
            return new Original("debian", env.get("saved_entry"), dropIn, null);
        }

        @Override
        public void bootOnce(SshShell ssh, String release) {
            root(ssh, bootOnceCommand(ssh, release));
        }

        @Override
        public String bootOnceCommand(SshShell ssh, String release) {
            return checkpointed("grub-reboot '" + entryId(ssh, release) + "'", ENV);
        }

        @Override
        public String clearOnceCommand() {
            return "grub-editenv - unset next_entry";
        }

        @Override
        public void makeDefault(SshShell ssh, String release) {
            String id = entryId(ssh, release);
            if (!ssh.run("test -f " + DROPIN, T).ok()) {
                root(ssh, "printf '%s\\n' '# written by the NMI/kdump harness during a bisection; removed at its end'"
                        + " 'GRUB_DEFAULT=saved' > " + DROPIN + " && update-grub >/dev/null 2>&1");
            }
            root(ssh, checkpointed("grub-set-default '" + id + "'", ENV));
        }

        @Override
        public void restore(SshShell ssh, Original original) {
            StringBuilder cmd = new StringBuilder();
            if (!original.dropInExisted()) {
                cmd.append("rm -f ").append(DROPIN).append(" && ");
            }
            cmd.append("grub-editenv - unset next_entry && ");
            cmd.append(original.savedEntry() == null ? "grub-editenv - unset saved_entry"
                    : "grub-editenv - set 'saved_entry=" + original.savedEntry() + "'");
            cmd.append(" && update-grub >/dev/null 2>&1");
            root(ssh, checkpointed(cmd.toString(), ENV));
        }

        private static Map<String, String> grubenv(SshShell ssh) {
            Map<String, String> env = new LinkedHashMap<>();
            for (String l : ssh.run("grub-editenv list 2>/dev/null", T).out().split("\n")) {
                int eq = l.indexOf('=');
                if (eq > 0) {
                    env.put(l.substring(0, eq), l.substring(eq + 1));
                }
            }
            return env;
        }

        private static String entryId(SshShell ssh, String release) {
            String cfg = ssh.run("cat /boot/grub/grub.cfg", T).stdout();
            return GrubMenu.entryFor(cfg, release).orElseThrow(() -> new BuildProblem(
                    "no GRUB menu entry boots " + release + " (is /boot/vmlinuz-" + release + " installed and update-grub run?)"));
        }

        private static void root(SshShell ssh, String cmd) {
            String sudo = ssh.run("id -u", T).out().equals("0") ? "" : "sudo -n ";
            CommandResult r = ssh.run(sudo + "sh -c \"" + cmd.replace("\\", "\\\\").replace("\"", "\\\"") + "\"", T);
            if (!r.ok()) {
                throw new InfrastructureException("ssh", "boot entry change failed on " + ssh.endpoint().describe() + ": "
                        + cmd + " exited " + r.exitStatus() + ": " + (r.stderr() + r.stdout()).strip(),
                        "check GRUB on the host (grub-editenv, update-grub)");
            }
        }
    }

    /** RHEL, Fedora, CentOS Stream: BLS entries managed by grubby. */
    final class Grubby implements BootEntries {
        private static final Duration T = Duration.ofSeconds(120);

        @Override
        public Original capture(SshShell ssh) {
            return new Original("rhel", null, false, ssh.check("grubby --default-kernel", T));
        }

        @Override
        public void bootOnce(SshShell ssh, String release) {
            ssh.check(sudo(ssh) + bootOnceCommand(ssh, release), T);
        }

        @Override
        public String clearOnceCommand() {
            return "grub2-editenv - unset next_entry";
        }

        @Override
        public String bootOnceCommand(SshShell ssh, String release) {
            String id = ssh.check("grubby --info=/boot/vmlinuz-" + release + " | sed -n 's/^id=\"\\(.*\\)\"$/\\1/p' | head -n 1", T);
            if (id.isBlank()) {
                throw new BuildProblem("grubby knows no entry for /boot/vmlinuz-" + release);
            }
            return checkpointed("grub2-reboot '" + id + "'", "/boot/grub2/grubenv");
        }

        @Override
        public void makeDefault(SshShell ssh, String release) {
            ssh.check(sudo(ssh) + "grubby --set-default=/boot/vmlinuz-" + release, T);
        }

        @Override
        public void restore(SshShell ssh, Original original) {
            ssh.check(sudo(ssh) + "grubby --set-default=" + original.defaultKernel(), T);
        }

        private static String sudo(SshShell ssh) {
            return ssh.run("id -u", T).out().equals("0") ? "" : "sudo -n ";
        }
    }

    /** grub.cfg's menu, read the way grub-reboot addresses it: "submenu-id>entry-id". */
    final class GrubMenu {
        private static final Pattern ENTRY = Pattern.compile(
                "^\\s*(menuentry|submenu)\\s+'([^']*)'.*?\\$menuentry_id_option\\s+'([^']+)'.*\\{\\s*$");

        private GrubMenu() {}

        /** The id path of the (non-recovery) entry that boots vmlinuz-release. */
        public static Optional<String> entryFor(String grubCfg, String release) {
            Deque<String> path = new ArrayDeque<>();
            Deque<Boolean> isSubmenu = new ArrayDeque<>();
            for (String line : grubCfg.split("\n")) {
                Matcher m = ENTRY.matcher(line);
                if (m.matches()) {
                    String title = m.group(2);
                    String id = m.group(3);
                    if (m.group(1).equals("submenu")) {
                        path.addLast(id);
                        isSubmenu.addLast(true);
                        continue;
                    }
                    boolean ours = (title.endsWith("with Linux " + release) || id.startsWith("gnulinux-" + release + "-advanced-"))
                            && !title.contains("recovery");
                    if (ours) {
                        StringBuilder full = new StringBuilder();
                        for (String p : path) {
                            full.append(p).append('>');
                        }
                        return Optional.of(full.append(id).toString());
                    }
                    isSubmenu.addLast(false);
                } else if (line.strip().equals("}") && !isSubmenu.isEmpty()) {
                    if (isSubmenu.removeLast()) {
                        path.removeLast();
                    }
                }
            }
            return Optional.empty();
        }
    }

    /** The build itself is at fault (no boot entry, install failed): skip it, do not retry. */
    final class BuildProblem extends RuntimeException {
        public BuildProblem(String message) {
            super(message);
        }
    }
}
