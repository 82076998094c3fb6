package io.kdumplab.harness.device.distro;

import io.kdumplab.harness.device.Distro;
import io.kdumplab.harness.device.DumpLayout;
import io.kdumplab.harness.device.DumpTarget;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SLES and openSUSE: SUSE's kdump (kdumptool, the `kdump` service, /etc/sysconfig/kdump); the command line lives in
 * /etc/default/grub, applied by grub2-mkconfig, as YaST's kdump module does it.
 */
final class SuseBackend implements Distro {
    static final String CONFIG = "/etc/sysconfig/kdump";
    /** The line the harness appends to /etc/default/grub (SUSE's GRUB reads no grub.d drop-ins); replaced, never doubled. */
    static final String MARK = "# written by the NMI/kdump harness";

    @Override
    public Family family() {
        return Family.SUSE;
    }

    @Override
    public String kdumpService() {
        return "kdump";
    }

    @Override
    public String kdumpTool() {
        return "kdumptool";
    }

    @Override
    public String kdumpPackage() {
        return "kdump";
    }

    /** A SUSE release names its flavour last (6.4.0-150600.23.25-default): the headers are kernel-FLAVOUR-devel. */
    @Override
    public String headersInstallCommand(String kver) {
        int dash = kver.lastIndexOf('-');
        String flavour = dash > 0 ? kver.substring(dash + 1) : "default";
        String version = dash > 0 ? kver.substring(0, dash) : kver;
        return "zypper install kernel-" + flavour + "-devel-" + version;
    }

    @Override
    public String addKernelArgsCommand(String args) {
        return "sed -i '/" + MARK.replace("/", "\\/") + "$/d' /etc/default/grub && printf '%s\\n' "
                + "'GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT " + args + "\" " + MARK + "' >> /etc/default/grub"
                + " && grub2-mkconfig -o /boot/grub2/grub.cfg 2>&1 | tail -n 3";
    }

    @Override
    public String enableAndLoadKdumpCommand() {
        return "systemctl enable kdump >/dev/null 2>&1; systemctl restart kdump";
    }

    /** SUSE's kdump sources this file: the shell that reads it says what kdumptool will do. */
    @Override
    public String dumpTargetCommand() {
        return "sh -c '. " + CONFIG + " 2>/dev/null; printf \"savedir=%s\\nidentity=%s\\n\" "
                + "\"${KDUMP_SAVEDIR:-/var/crash}\" \"${KDUMP_SSH_IDENTITY:-}\"'";
    }

    private static final Pattern URL = Pattern.compile("([a-z]+)://(?:([^@/]+)@)?([^/:]*)(?::(\\d+))?(/.*)?");

    /**
     * KDUMP_SAVEDIR: a path or file:///path on the host; ssh:// or sftp://[user@]host[:port]/path to a dump server
     * (the user root when none is given, the key KDUMP_SSH_IDENTITY or root's own); nfs://host/path; ftp:// and
     * cifs:// (smb://) are transports the harness does not read.
     */
    @Override
    public DumpTarget dumpTarget(String output) {
        java.util.Map<String, String> kv = io.kdumplab.harness.util.KeyValues.parse(output);
        String savedir = kv.getOrDefault("savedir", "/var/crash").strip();
        String source = CONFIG + " KDUMP_SAVEDIR";
        if (savedir.isEmpty()) {
            savedir = "/var/crash";
        }
        Matcher m = URL.matcher(savedir);
        if (!m.matches()) {
            return new DumpTarget(DumpTarget.Kind.LOCAL, savedir, source);
        }
        String scheme = m.group(1).toLowerCase(Locale.ROOT);
        String path = m.group(5) == null ? "/" : m.group(5);
        return switch (scheme) {
            case "file" -> new DumpTarget(DumpTarget.Kind.LOCAL, path, source);
            case "ssh", "sftp" -> {
                if (m.group(4) != null && !m.group(4).equals("22")) {
                    yield new DumpTarget(DumpTarget.Kind.OTHER, savedir + " (an SSH port other than 22)", source);
                }
                String identity = kv.getOrDefault("identity", "").strip();
                String key = identity.isEmpty() ? null : identity.split("\\s+")[0];
                yield DumpTarget.ssh((m.group(2) == null ? "root" : m.group(2)) + "@" + m.group(3), path, key, source);
            }
            case "nfs" -> DumpTarget.nfs(m.group(3) + ":" + path, "", m.group(3) + ":" + path, source);
            default -> new DumpTarget(DumpTarget.Kind.OTHER, savedir, source);
        };
    }

    /**
     * kdumptool save_dump: one directory per dump named after its time (no host name in it), holding `vmcore`
     * (makedumpfile's output, flattened when sent over SSH), `dmesg.txt` and README.txt. It leaves no marker while
     * writing: a dump cut short is a `vmcore` that does not read back.
     */
    @Override
    public DumpLayout dumpLayout() {
        return new DumpLayout(List.of("vmcore"), List.of("dmesg.txt"), List.of(), false);
    }
}
