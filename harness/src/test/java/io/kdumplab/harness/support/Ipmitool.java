package io.kdumplab.harness.support;

import io.kdumplab.harness.lab.LabState;
import io.kdumplab.harness.util.Processes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The independent IPMI client of the acceptance tests: ipmitool over lanplus, password from a file (-f). */
public final class Ipmitool {
    private Ipmitool() {}

    public static Processes.Outcome run(LabState s, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ipmitool", "-I", "lanplus", "-C", "3", "-H", s.host(),
                "-p", Integer.toString(s.bmcPort()), "-U", s.bmcUser(), "-f", s.bmcPasswordFile()));
        cmd.addAll(List.of(args));
        return Processes.run(cmd, Duration.ofSeconds(30), null);
    }
}
