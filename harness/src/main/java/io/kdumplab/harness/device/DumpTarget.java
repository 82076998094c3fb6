package io.kdumplab.harness.device;

/**
 * Where the host's kdump writes its dumps, as its own configuration says (the file the dump tooling reads): a local
 * directory, another machine over SSH, an NFS share, or a filesystem device of its own. For SSH, `remote` is the
 * login the host uses (user@server), `directory` the directory on that server and `sshKey` the host's key for it.
 */
public record DumpTarget(Kind kind, String location, String source, String remote, String directory, String sshKey) {
    public enum Kind { LOCAL, SSH, NFS, DEVICE }

    /** A target without SSH parts (local, NFS, device). */
    public DumpTarget(Kind kind, String location, String source) {
        this(kind, location, source, null, kind == Kind.LOCAL ? location : null, null);
    }

    /** An SSH target: `remote` is user@server, `directory` the directory there. */
    public static DumpTarget ssh(String remote, String directory, String sshKey, String source) {
        return new DumpTarget(Kind.SSH, remote + ":" + directory, source, remote, directory, sshKey);
    }

    public boolean local() {
        return kind == Kind.LOCAL;
    }

    /** "local /var/crash (/etc/default/kdump-tools)", "ssh dump@server:/var/crash (/etc/kdump.conf)". */
    public String describe() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + location + " (" + source + ")";
    }
}
