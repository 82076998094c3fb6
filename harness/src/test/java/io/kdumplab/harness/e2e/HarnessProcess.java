package io.kdumplab.harness.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The harness CLI as a separate process (the way users and git run it), on the test JVM's classpath. */
final class HarnessProcess {
    private HarnessProcess() {}

    static ProcessBuilder builder(Path workDir, Path log, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.kdumplab.harness.cli.Main");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        return pb;
    }

    /** A shell line that starts the harness, for git bisect run. */
    static String commandLine() {
        return "'" + javaBinary() + "' -cp '" + System.getProperty("java.class.path") + "' io.kdumplab.harness.cli.Main";
    }

    static Process start(Path workDir, Path log, String... args) throws IOException {
        return io.kdumplab.harness.support.ChildProcesses.track(builder(workDir, log, args).start());
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
