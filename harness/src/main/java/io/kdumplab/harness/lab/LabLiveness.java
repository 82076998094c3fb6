package io.kdumplab.harness.lab;

import io.kdumplab.harness.util.ProcessIdentity;

import java.util.Optional;

/**
 * Whether a lab instance is up: its state file says what it started, and it is up only while those very processes
 * run (same boot, same pid, same start time). Anything else is left over: state from before this machine restarted,
 * or a process that died. Decided from /proc alone, without probing any endpoint.
 */
public record LabLiveness(Kind kind, String why) {
    public enum Kind { UP, LEFT_OVER, NOT_STARTED }

    public static LabLiveness of(Optional<LabState> state, ProcessIdentity.Proc proc) {
        if (state.isEmpty()) {
            return new LabLiveness(Kind.NOT_STARTED, "not started");
        }
        LabState s = state.get();
        if (s.bootId() == null || s.bootId().isEmpty()) {
            return new LabLiveness(Kind.LEFT_OVER, "left over: its state was written by an older harness that did not "
                    + "record process identities");
        }
        if (!s.ready()) {
            return new LabLiveness(Kind.LEFT_OVER, "left over: its start did not finish (the process starting it stopped or "
                    + "failed; a lab being started right now is not up yet either)");
        }
        Optional<String> boot = ProcessIdentity.bootId(proc);
        if (boot.isPresent() && !boot.get().equals(s.bootId())) {
            return new LabLiveness(Kind.LEFT_OVER, "left over from before this machine restarted");
        }
        Optional<String> bmc = s.bmc().whyNotRunning(proc);
        if (bmc.isPresent()) {
            return new LabLiveness(Kind.LEFT_OVER, "left over: its BMC (ipmi_sim) died (" + bmc.get() + ")");
        }
        Optional<String> redfish = s.redfishPid() > 0 ? s.redfish().whyNotRunning(proc) : Optional.empty();
        if (redfish.isPresent()) {
            return new LabLiveness(Kind.LEFT_OVER, "left over: its Redfish service died (" + redfish.get() + ")");
        }
        Optional<String> dumps = s.dumpServer() != null ? s.dumpServerProcess().whyNotRunning(proc) : Optional.empty();
        if (dumps.isPresent()) {
            return new LabLiveness(Kind.LEFT_OVER, "left over: its SSH dump server died (" + dumps.get() + ")");
        }
        Optional<String> nfs = s.nfsServer() != null ? s.nfsServerProcess().whyNotRunning(proc) : Optional.empty();
        if (nfs.isPresent()) {
            return new LabLiveness(Kind.LEFT_OVER, "left over: its NFS dump server (ganesha.nfsd) died (" + nfs.get() + ")");
        }
        Optional<String> telnet = s.telnet() != null ? s.telnetProcess().whyNotRunning(proc) : Optional.empty();
        if (telnet.isPresent()) {
            return new LabLiveness(Kind.LEFT_OVER, "left over: its telnet console server (ser2net) died (" + telnet.get() + ")");
        }
        Optional<String> sshConsole = s.sshConsole() != null ? s.sshConsoleProcess().whyNotRunning(proc) : Optional.empty();
        if (sshConsole.isPresent()) {
            return new LabLiveness(Kind.LEFT_OVER, "left over: its SSH console (sshd) died (" + sshConsole.get() + ")");
        }
        Optional<String> relay = s.relay().whyNotRunning(proc);
        if (relay.isPresent()) {
            return new LabLiveness(Kind.LEFT_OVER, "left over: its serial line (console relay) died (" + relay.get() + ")");
        }
        return new LabLiveness(Kind.UP, "up");
    }

    public boolean up() {
        return kind == Kind.UP;
    }

    public boolean leftOver() {
        return kind == Kind.LEFT_OVER;
    }
}
