package io.kdumplab.harness.support;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A harness CLI process (this test JVM's classpath) reaching the test's database, its output in `log`; reaped after the test. */
public final class HarnessProcess {
    private HarnessProcess() {}

    public static Process start(TestDatabase tdb, Path log, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "io.kdumplab.harness.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        if (tdb != null) {
            pb.environment().putAll(tdb.childEnvironment());
        }
        return ChildProcesses.track(pb.start());
    }
}
