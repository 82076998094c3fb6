package io.kdumplab.harness.cli;

import io.kdumplab.harness.report.RunReports;
import io.kdumplab.harness.failure.ConfigurationException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Rebuild a run's reports (index.html, junit.xml) and the history page reports/index.html.",
                "A half-written run directory is rendered as far as it goes, and what is missing is listed."},
        footer = {"", "Example:", "  ./harness.sh report reports/20261126-194904-virtual-lab-3fc5"})
public final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "run directory (reports/<run-id>)")
    Path runDir;

    @Override
    public Integer call() {
        if (!Files.isDirectory(runDir)) {
            throw new ConfigurationException("run directory " + runDir + " does not exist",
                    "give a directory under reports/ (ls reports/)");
        }
        List<String> missing = RunReports.write(runDir);
        missing.forEach(m -> System.err.println("warning: " + m));
        System.out.println("report: " + runDir.resolve("index.html") + " (junit: " + runDir.resolve("junit.xml") + ")");
        return ExitCodes.OK;
    }
}
