package io.kdumplab.harness.run;

import io.kdumplab.harness.device.DumpTarget;
import io.kdumplab.harness.target.SshEndpoint;

import java.util.List;

/**
 * Where this run's dump will be and how the harness looks there: a directory on the host itself, a directory on the
 * dump server the host's kdump sends it to (reached by the harness over SSH), or a directory inside the NFS share the
 * capture kernel mounts (`nfsShare`; the harness mounts it read-only on the host to look, as kdump reaches it from
 * there, so a filer without a shell is no obstacle). On a dump server or a share the tooling names each dump's
 * directory after the host (`hostTags`: its addresses and name), and that machine's clock stamps the files
 * (`serverClockOffsetSeconds`: its clock minus the host's, measured at preflight).
 */
record DumpPlace(DumpTarget target, String directory, SshEndpoint server, String nfsShare, List<String> hostTags,
                 long serverClockOffsetSeconds) {
    static DumpPlace local(DumpTarget target, String directory) {
        return new DumpPlace(target, directory, null, null, List.of(), 0);
    }

    /** The dump lies on another machine (an SSH dump server or an NFS server). */
    boolean remote() {
        return server != null || nfsShare != null;
    }

    boolean nfs() {
        return nfsShare != null;
    }

    /** "the host", "the dump server kdump@dumps.lab:22", "the NFS share filer:/crash (read through the host)". */
    String where() {
        return nfs() ? "the NFS share " + nfsShare + " (read through the host)"
                : server != null ? "the dump server " + server.describe() : "the host";
    }

    /** A path as a person finds it: on the host as it is, on a dump server prefixed with user@server:port. */
    String pathAt(String path) {
        return server != null ? server.describe() + ":" + path : path;
    }
}
