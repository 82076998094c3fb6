package io.kdumplab.harness.run;

import io.kdumplab.harness.device.DumpTarget;
import io.kdumplab.harness.target.SshEndpoint;

import java.util.List;

/**
 * Where this run's dump will be and how the harness looks there: a directory on the host itself, or a directory on
 * the dump server the host's kdump sends it to (reached by the harness over SSH). On a dump server the tooling names
 * each dump's directory after the host (`hostTags`: its addresses and name), and the server's clock stamps the files
 * (`serverClockOffsetSeconds`: the server's clock minus the host's, measured at preflight).
 */
record DumpPlace(DumpTarget target, String directory, SshEndpoint server, List<String> hostTags, long serverClockOffsetSeconds) {
    static DumpPlace local(DumpTarget target, String directory) {
        return new DumpPlace(target, directory, null, List.of(), 0);
    }

    boolean remote() {
        return server != null;
    }

    /** "the host" or "the dump server kdump@dumps.lab:22". */
    String where() {
        return remote() ? "the dump server " + server.describe() : "the host";
    }

    /** A path as a person finds it: on the host as it is, on a dump server prefixed with user@server:port. */
    String pathAt(String path) {
        return remote() ? server.describe() + ":" + path : path;
    }
}
