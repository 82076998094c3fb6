package io.kdumplab.harness.run;

import io.kdumplab.harness.device.DumpLayout;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finding this run's dump among the files under a dump directory, with one listing command (the same on the host and
 * on a dump server): the newest complete dump written since the trigger, else the newest dump left incomplete, and
 * the kernel log the tooling saved beside it. Reading a dump is `makedumpfile --dump-dmesg` where it lies (a flattened
 * dump, as sent over SSH, is reassembled first in a temporary directory there).
 */
final class DumpFiles {
    enum Kind { DUMP, INCOMPLETE, DMESG }

    record Listed(Kind kind, long mtime, long size, String path) {
        String dir() {
            return path.substring(0, path.lastIndexOf('/'));
        }
    }

    /** What the listing shows for this run: a complete dump, or else one left incomplete; and a log beside it. */
    record Found(Optional<Listed> dump, Optional<Listed> incomplete, Optional<Listed> dmesg) {
        boolean nothing() {
            return dump.isEmpty() && incomplete.isEmpty();
        }
    }

    /** A dump server's login may lack the sbin directories in its PATH (makedumpfile lives in /usr/sbin on some). */
    static final String SERVER_PATH = "PATH=$PATH:/usr/sbin:/sbin; export PATH; ";

    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9._:-]+");

    private DumpFiles() {}

    /**
     * Lists "KIND mtime size path" for every file of the layout in the dump directories under `dir`; with tags, only
     * in the directories named after the host (TAG-...), as a dump server holds dumps of many hosts.
     */
    static String listCommand(String dir, List<String> hostTags, DumpLayout layout) {
        List<String> dirs = new ArrayList<>();
        hostTags.stream().filter(t -> TAG.matcher(t).matches()).forEach(t -> dirs.add(t + "-*"));
        if (hostTags.isEmpty()) {
            dirs.add("*");
        }
        StringBuilder sh = new StringBuilder("cd " + quote(dir) + " 2>/dev/null || { echo 'NO-DIRECTORY'; exit 0; }; ");
        for (String d : dirs) {
            list(sh, Kind.DUMP, d, layout.dumps());
            list(sh, Kind.INCOMPLETE, d, layout.incomplete());
            list(sh, Kind.DMESG, d, layout.dmesg());
        }
        return sh.append("true").toString();
    }

    private static void list(StringBuilder sh, Kind kind, String dir, List<String> globs) {
        for (String g : globs) {
            sh.append("for f in ").append(dir).append('/').append(g).append("; do [ -f \"$f\" ] && stat -c '")
                    .append(kind.name()).append(" %Y %s '\"$PWD\"'/%n' \"$f\"; done; ");
        }
    }

    /** True when the listing says the directory itself does not exist. */
    static boolean noDirectory(String listing) {
        return listing.lines().anyMatch(l -> l.equals("NO-DIRECTORY"));
    }

    /** The run's files: written at or after `notBefore` (seconds on the clock of the machine that holds them). */
    static Found pick(String listing, long notBefore) {
        List<Listed> fresh = listing.lines().map(l -> l.split(" ", 4)).filter(f -> f.length == 4)
                .filter(f -> f[0].equals("DUMP") || f[0].equals("INCOMPLETE") || f[0].equals("DMESG"))
                .map(f -> new Listed(Kind.valueOf(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), f[3]))
                .filter(x -> x.mtime() >= notBefore).toList();
        Optional<Listed> dump = newest(fresh, Kind.DUMP, null);
        Optional<Listed> incomplete = dump.isPresent() ? Optional.empty() : newest(fresh, Kind.INCOMPLETE, null);
        String dirOfRun = dump.or(() -> incomplete).map(Listed::dir).orElse(null);
        Optional<Listed> dmesg = dirOfRun == null ? Optional.empty() : newest(fresh, Kind.DMESG, dirOfRun);
        return new Found(dump, incomplete, dmesg);
    }

    private static Optional<Listed> newest(List<Listed> files, Kind kind, String inDir) {
        return files.stream().filter(f -> f.kind() == kind && (inDir == null || f.dir().equals(inDir)))
                .max(Comparator.comparingLong(Listed::mtime).thenComparing(Listed::path));
    }

    /** Prints the dump's kernel log on stdout; exits non-zero when makedumpfile cannot read the dump. */
    static String readCommand(String dumpPath) {
        return "t=$(mktemp -d) || exit 3; f=" + quote(dumpPath) + "; "
                + "if head -c 12 \"$f\" | grep -q makedumpfile; then makedumpfile -R \"$t/vmcore\" < \"$f\" >/dev/null 2>&1 "
                + "&& f=\"$t/vmcore\"; fi; "
                + "makedumpfile --dump-dmesg \"$f\" \"$t/dmesg.txt\" >/dev/null 2>&1; rc=$?; "
                + "[ $rc = 0 ] && cat \"$t/dmesg.txt\"; rm -rf \"$t\"; exit $rc";
    }

    /**
     * After a run without a complete dump: whether the dump directory could take one (exists, writable by the
     * login that writes there, free space). Prints "key=value" lines.
     */
    static String targetCheckCommand(String dir) {
        return "d=" + quote(dir) + "; if [ ! -d \"$d\" ]; then echo exists=no; else echo exists=yes; "
                + "if [ -w \"$d\" ]; then echo writable=yes; else echo writable=no; fi; "
                + "echo free_kib=$(df -Pk \"$d\" | awk 'NR==2 {print $4}'); fi; echo user=$(id -un)";
    }

    /**
     * Mount options for the harness's own look at an NFS dump target from the host: no locking (as kdump-tools), soft
     * with short retries and no background retry, so an unreachable server fails the command instead of hanging it.
     */
    private static final String NFS_OPTIONS = "nolock,soft,timeo=50,retrans=2,retry=0";

    /**
     * Before the run, on the host: mounts the share read-write on a temporary directory, checks the dump directory in
     * it, writes and removes one probe file there (root must be able to write, as the capture kernel will: a
     * root-squashing export fails here, not after the crash; its mtime is the server's clock), then unmounts. Prints
     * "key=value" lines: mounted (and mount_error), exists, writable, server_now, host_now, free_kib.
     */
    static String nfsCheckCommand(String share, String directory) {
        String inside = directory.isEmpty() ? "" : "/" + directory.replaceFirst("^/+", "");
        return "m=$(mktemp -d /tmp/kdump-harness-nfs.XXXXXX) || exit 3; "
                + "if ! e=$(timeout 40 mount -t nfs -o rw," + NFS_OPTIONS + " " + quote(share) + " \"$m\" 2>&1); then "
                + "echo mounted=no; echo \"mount_error=$(echo $e | tr '\\n' ' ')\"; rmdir \"$m\"; exit 0; fi; echo mounted=yes; "
                + "d=\"$m\"" + quote(inside) + "; if [ ! -d \"$d\" ]; then echo exists=no; else echo exists=yes; "
                + "f=\"$d/.kdump-harness-probe-$$\"; if touch \"$f\" 2>/dev/null; then echo writable=yes; "
                + "echo server_now=$(stat -c %Y \"$f\"); echo host_now=$(date +%s); rm -f \"$f\"; else echo writable=no; fi; "
                + "echo free_kib=$(df -Pk \"$d\" | awk 'NR==2 {print $4}'); fi; "
                + "umount \"$m\" || umount -l \"$m\"; rmdir \"$m\" 2>/dev/null; true";
    }

    /** After the run, on the host: mounts the share read-only on a fresh directory and prints that directory. */
    static String nfsMountCommand(String share) {
        return "m=$(mktemp -d /tmp/kdump-harness-nfs.XXXXXX) || exit 3; if timeout 40 mount -t nfs -o ro," + NFS_OPTIONS + " "
                + quote(share) + " \"$m\"; then echo \"$m\"; else rc=$?; rmdir \"$m\"; exit $rc; fi";
    }

    static String nfsUnmountCommand(String mountPoint) {
        return "umount " + quote(mountPoint) + " || umount -l " + quote(mountPoint) + "; rmdir " + quote(mountPoint);
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
