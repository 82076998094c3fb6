package io.kdumplab.harness.device;

/**
 * Where the host's kdump writes its dumps, as its own configuration says (the file the dump tooling reads): a
 * local directory, or another machine (SSH, NFS), or a filesystem device of its own. Only a local directory is
 * where the harness can look for the run's evidence today: anything else is refused before the run, because
 * looking in the wrong place would grade a saved dump as a FAIL.
 */
public record DumpTarget(Kind kind, String location, String source) {
    public enum Kind { LOCAL, SSH, NFS, DEVICE }

    public boolean local() {
        return kind == Kind.LOCAL;
    }

    /** "local /var/crash (/etc/default/kdump-tools)", "ssh dump@server:/var/crash (/etc/kdump.conf)". */
    public String describe() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + location + " (" + source + ")";
    }
}
