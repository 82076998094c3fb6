package io.kdumplab.harness.lab;

import java.util.Map;

/** Everything a client needs to use a lab, plus live health. Secrets appear only as file paths. */
public record LabStatus(String name, boolean up, String condition, Map<String, Boolean> processes,
                        Bmc bmc, Ssh ssh, Console console, Kdump kdump, String runningKernel,
                        LabKernels kernels, String imageDir, String accel, Redfish redfish, DumpTarget dumpTarget) {

    /** Where the guest's kdump sends dumps: local, or ssh with the lab's dump server (then its endpoint and health). */
    public record DumpTarget(String kind, String server, String key, String hostKeyFingerprint, String directory,
                             boolean answers, String error) {}

    /** The lab's Redfish BMC (null for a lab started before it had one). */
    public record Redfish(String url, String user, String passwordFile, String tlsFingerprint, boolean reachable, String power,
                          String error) {}

    public record Bmc(String host, int port, String user, String passwordFile, boolean reachable, String power,
                      String error) {}

    public record Ssh(String host, int port, String user, String key, String hostKeyFingerprint, String knownHosts,
                      boolean answers, String error) {}

    /**
     * telnet: the telnet/RFC 2217 console server (ser2net); ssh: the SSH console (user@host:port, key, host key);
     * each null when the lab has none.
     */
    public record Console(String serialDevice, int baud, String tcp, String sol, String log, String telnet, String ssh) {}

    public record Kdump(boolean ready, String crashkernel, boolean crashKernelLoaded) {}
}
