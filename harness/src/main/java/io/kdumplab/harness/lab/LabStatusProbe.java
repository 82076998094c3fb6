package io.kdumplab.harness.lab;

import io.kdumplab.harness.device.CommandShell;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.failure.HarnessException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** `lab status`: what a running (or dead) lab instance looks like from outside. */
final class LabStatusProbe {
    private LabStatusProbe() {}

    /** Asks every part of the lab how it is: processes, the BMC (RMCP+), SSH, kdump. Changes nothing. */
    static LabStatus probe(String name, Path dir, Optional<LabState> st, LabLiveness live) {
        if (!live.up()) {
            // endpoints whose processes are gone are not probed: the answer comes at once, and says why
            return new LabStatus(name, false, live.why(), Map.of("relay", false, "bmc", false, "qemu", LabProcesses.qemuAlive(dir)),
                    null, null, null, null, null, null, null, null, null, null);
        }
        LabState s = st.orElseThrow();
        Map<String, Boolean> procs = new LinkedHashMap<>();
        procs.put("relay", s.relay().isRunning());
        procs.put("bmc", s.bmc().isRunning());
        procs.put("qemu", LabProcesses.qemuAlive(dir));

        boolean bmcReachable = false;
        String power = "unknown";
        String bmcError = null;
        Device guest = LabEndpoints.device(name, s);
        try (var bmc = guest.freshBmc()) {
            power = bmc.powerState().name().toLowerCase();
            bmcReachable = true;
        } catch (HarnessException e) {
            bmcError = e.getMessage();
        }
        boolean sshAnswers = false;
        String sshError = null;
        String kernel = null;
        String crashkernel = null;
        boolean loaded = false;
        if (procs.get("qemu")) {
            try (CommandShell t = guest.probeShell(Duration.ofSeconds(5))) {
                sshAnswers = true;
                kernel = t.run("uname -r", Duration.ofSeconds(10)).out();
                String cmdline = t.run("cat /proc/cmdline", Duration.ofSeconds(10)).out();
                for (String a : cmdline.split("\\s+")) {
                    if (a.startsWith("crashkernel=")) {
                        crashkernel = a.substring("crashkernel=".length());
                    }
                }
                loaded = "1".equals(t.run("cat /sys/kernel/kexec_crash_loaded", Duration.ofSeconds(10)).out());
            } catch (HarnessException e) {
                sshError = e.getMessage();
            }
        } else {
            sshError = "QEMU is not running";
        }
        return new LabStatus(name, true, live.why(), procs,
                new LabStatus.Bmc(s.host(), s.bmcPort(), s.bmcUser(), s.bmcPasswordFile(), bmcReachable, power, bmcError),
                new LabStatus.Ssh(s.host(), s.sshPort(), s.sshUser(), s.sshKey(), s.hostKeyFingerprint(), s.knownHosts(),
                        sshAnswers, sshError),
                new LabStatus.Console(s.ptyLink(), s.baud(), s.host() + ":" + s.consolePort(),
                        "ipmitool -I lanplus -C 3 -H " + s.host() + " -p " + s.bmcPort() + " -U " + s.bmcUser()
                                + " -f " + s.bmcPasswordFile() + " sol activate",
                        s.consoleLog(), s.telnet() == null ? null : s.host() + ":" + s.telnet().port(),
                        s.sshConsole() == null ? null : s.sshConsole().user() + "@" + s.host() + ":" + s.sshConsole().port()
                                + " key " + s.sshConsole().key() + " host key " + s.sshConsole().hostKeyFingerprint()
                                + (s.sshConsole().passwordUser() == null ? "" : "; password login " + s.sshConsole().passwordUser()
                                        + " (password file " + s.sshConsole().passwordFile() + ")")),
                new LabStatus.Kdump(crashkernel != null && loaded, crashkernel, loaded),
                kernel, kernels(s), s.imageDir(), s.accel(), redfish(s), dumpTarget(s));
    }

    /** The Redfish service through the harness's own Redfish driver: a login, the system, its power state. */
    private static LabStatus.Redfish redfish(LabState s) {
        var ep = LabEndpoints.redfish(s);
        if (ep == null) {
            return null;
        }
        String url = "https://" + ep.host() + ":" + ep.port() + "/redfish/v1";
        try (var bmc = io.kdumplab.harness.device.drivers.Devices.of("redfish probe", LabEndpoints.ssh(s), ep).freshBmc()) {
            return new LabStatus.Redfish(url, ep.user(), s.bmcPasswordFile(), ep.tlsFingerprint(), true,
                    bmc.powerState().name().toLowerCase(), null);
        } catch (HarnessException e) {
            return new LabStatus.Redfish(url, ep.user(), s.bmcPasswordFile(), ep.tlsFingerprint(), false, "unknown", e.getMessage());
        }
    }

    /**
     * The lab's dump target; for ssh, a login to its dump server with the harness's reading key; for nfs, its server
     * process and port (the harness itself reads NFS dumps through the guest's mount, as on a real host).
     */
    private static LabStatus.DumpTarget dumpTarget(LabState s) {
        if (s.nfsServer() != null) {
            var why = s.nfsServerProcess().whyNotRunning(io.kdumplab.harness.util.ProcessIdentity.Proc.LINUX);
            boolean up = why.isEmpty() && ProcessStart.portAccepts(s.nfsServer().port());
            return new LabStatus.DumpTarget("nfs", s.host() + ":" + s.nfsServer().port() + ":" + s.nfsServer().pseudo(), null,
                    null, s.nfsServer().exportDir(), up, up ? null : why.orElse("port " + s.nfsServer().port() + " does not accept"));
        }
        var ep = LabEndpoints.dumpServer(s);
        if (ep == null) {
            return new LabStatus.DumpTarget("local", null, null, null, "/var/crash (on the guest)", true, null);
        }
        try (var shell = io.kdumplab.harness.device.drivers.Devices.shellTo(ep,
                io.kdumplab.harness.wait.Deadline.in("SSH to the lab's dump server", java.time.Duration.ofSeconds(10)))) {
            shell.check("true", java.time.Duration.ofSeconds(10));
            return new LabStatus.DumpTarget("ssh", ep.describe(), ep.privateKey().toString(), ep.hostKeyFingerprint(),
                    s.dumpServer().coreDir(), true, null);
        } catch (HarnessException e) {
            return new LabStatus.DumpTarget("ssh", ep.describe(), ep.privateKey().toString(), ep.hostKeyFingerprint(),
                    s.dumpServer().coreDir(), false, e.getMessage());
        }
    }

    /** The image's kernels by role, from its build manifest. */
    private static LabKernels kernels(LabState s) {
        return new GuestImage(Path.of(s.imageDir()), s.imageHash(),
                GuestImage.readManifest(Path.of(s.imageDir()).resolve("manifest.env"))).kernels();
    }
}
