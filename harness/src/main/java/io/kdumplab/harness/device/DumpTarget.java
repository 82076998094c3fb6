package io.kdumplab.harness.device;

/**
 * Where the host's kdump writes its dumps, as its own configuration says (the file the dump tooling reads): a local
 * directory, another machine over SSH, an NFS share, or a filesystem device of its own. For SSH, `remote` is the
 * login the host uses (user@server), `directory` the directory on that server and `sshKey` the host's key for it.
 */
public record DumpTarget(Kind kind, String location, String source, String remote, String directory, String sshKey) {
    /** OTHER: a transport the harness does not read (SUSE's ftp:// and cifs://, an SSH port other than 22). */
    public enum Kind { LOCAL, SSH, NFS, DEVICE, OTHER }

    /** A target without SSH parts (local, NFS, device, other). */
    public DumpTarget(Kind kind, String location, String source) {
        this(kind, location, source, null, kind == Kind.LOCAL ? location : null, null);
    }

    /**
     * An NFS target: `remote` is the share (server:/export) the capture kernel mounts, `directory` the directory inside
     * it the dumps go to ("" for the share's top); `location` as the configuration says it.
     */
    public static DumpTarget nfs(String share, String directory, String location, String source) {
        return new DumpTarget(Kind.NFS, location, source, share, directory, null);
    }

    /** An SSH target: `remote` is user@server, `directory` the directory there; `sshKey` null: the ssh client's own choice. */
    public static DumpTarget ssh(String remote, String directory, String sshKey, String source) {
        return new DumpTarget(Kind.SSH, remote + ":" + directory, source, remote, directory, sshKey);
    }

    /**
     * The command (as root on the host) that logs in to an SSH target as the capture kernel will: with kdump's key,
     * or with the ssh client's own choice of root's keys when the configuration names none (SUSE's default).
     */
    public String hostLoginCheck() {
        return "ssh " + (sshKey == null ? "" : "-i " + io.kdumplab.harness.util.ShellWords.quote(sshKey) + " ")
                + "-o BatchMode=yes -o ConnectTimeout=10 " + io.kdumplab.harness.util.ShellWords.quote(remote) + " true";
    }

    /** "with /root/.ssh/kdump_id_rsa", "with root's own keys". */
    public String keyDescription() {
        return sshKey == null ? "with root's own keys" : "with " + sshKey;
    }

    public boolean local() {
        return kind == Kind.LOCAL;
    }

    /** "local /var/crash (/etc/default/kdump-tools)", "ssh dump@server:/var/crash (/etc/kdump.conf)". */
    public String describe() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + location + " (" + source + ")";
    }
}
