package io.kdumplab.harness.lab;

import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.util.ProcessIdentity;
import io.kdumplab.harness.util.Processes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** Starting the lab's Redfish service as a process of its own, on the lab's certificate and its own copy of the classes. */
final class RedfishProcess {
    private RedfishProcess() {}

    /**
     * The lab's Redfish BMC: a process of its own (as a real BMC's web service is), started once the IPMI BMC answers,
     * since its power and NMI go through it.
     */
    static LabState start(Path dir, LabState s, int port, Consumer<String> progress) {
        progress.accept("starting the Redfish service on https://" + VirtualLab.HOST + ":" + port);
        String fingerprint;
        try {
            fingerprint = RedfishService.ensureCertificate(dir, VirtualLab.HOST);
        } catch (IOException e) {
            throw new InfrastructureException("lab", "cannot make the Redfish service's certificate: " + e.getMessage(),
                    "check that the JDK's keytool runs");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfrastructureException("lab", "interrupted while making the Redfish certificate", "");
        }
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        long pid = Processes.startDetached(List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", ownClassPath(dir), RedfishService.class.getName(), dir.toString(), Integer.toString(port)),
                dir.resolve("redfish.log"), dir);
        ProcessIdentity id = ProcessStart.identity(pid, "Redfish service", dir.resolve("redfish.log"));
        ProcessStart.awaitListening(pid, "Redfish service", "redfish", port, dir.resolve("redfish.log"), Duration.ofSeconds(30));
        return s.withRedfish(port, pid, id.startTicks(), fingerprint);
    }

    /**
     * The class path for the lab's own Java process: a copy of the harness jar in the lab directory, so that
     * rebuilding the harness (./harness.sh does when the sources changed) never changes the classes under a running lab.
     */
    private static String ownClassPath(Path dir) {
        String cp = System.getProperty("java.class.path");
        if (cp.contains(java.io.File.pathSeparator) || !cp.endsWith(".jar")) {
            return cp;
        }
        try {
            Path copy = dir.resolve("redfish-service.jar");
            Files.copy(Path.of(cp), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return copy.toString();
        } catch (IOException e) {
            throw new InfrastructureException("lab", "cannot copy the harness jar into " + dir + ": " + e.getMessage(),
                    "check the free space of " + dir);
        }
    }

}
