package io.kdumplab.harness;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.testng.annotations.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The design, as rules on imports (each rule names what it protects; see docs/design.md):
 * data flows inventory -> target -> device -> run steps -> verdict -> report; bisect and nightly drive runs through the same
 * device layer; drivers are private to the device layer; no package, sub-packages included, is in a cycle.
 */
@Test(groups = "unit")
public class ArchitectureTest {
    static final JavaClasses MAIN = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.kdumplab.harness");

    private static final String H = "io.kdumplab.harness.";

    @Test
    public void driversAreUsedOnlyInsideTheDeviceLayer() {
        // everything that touches a host goes through Device and its protocols; a new BMC or console protocol is a
        // new driver and one line of the factory (device.drivers), never a change in run, bisect or nightly
        noClasses().that().resideOutsideOfPackage(H + "device..")
                .should().dependOnClassesThat().resideInAnyPackage(H + "device.ssh..", H + "device.ipmi..", H + "device.console..")
                .check(MAIN);
    }

    @Test
    public void theDeviceLayerKnowsNothingAboveIt() {
        noClasses().that().resideInAPackage(H + "device..")
                .should().dependOnClassesThat().resideInAnyPackage(H + "run..", H + "verdict..", H + "report..", H + "bisect..",
                        H + "nightly..", H + "lab..", H + "lease..", H + "store..", H + "cli..", H + "builds..", H + "serve..")
                .check(MAIN);
    }

    @Test
    public void verdictsDependOnlyOnFailureClasses() {
        // the verdict is a pure function of evidence: no host, no file, no database
        noClasses().that().resideInAPackage(H + "verdict..")
                .should().dependOnClassesThat().resideInAnyPackage(H + "device..", H + "run..", H + "inventory..", H + "report..",
                        H + "bisect..", H + "nightly..", H + "lab..", H + "lease..", H + "store..", H + "cli..", H + "wait..",
                        H + "util..", H + "builds..")
                .check(MAIN);
    }

    @Test
    public void aRunKnowsNoModeAndNoOutput() {
        // bisection, nightly and repro drive the same run; the run does not know which, nor how it is reported, nor
        // where its host was described: it gets a target (package target) that the caller resolved from an inventory
        noClasses().that().resideInAPackage(H + "run..")
                .should().dependOnClassesThat().resideInAnyPackage(H + "inventory..", H + "lab..", H + "report..", H + "cli..",
                        H + "bisect..", H + "nightly..", H + "lease..", H + "store..", H + "builds..")
                .check(MAIN);
    }

    @Test
    public void theTargetModelAndTheConfigurationReaderStandAlone() {
        // what a host is (endpoints, secrets' sources) is plain data that inventories produce and the device layer,
        // runs and modes consume; the YAML reader is every configuration file's, so it knows none of them
        noClasses().that().resideInAnyPackage(H + "target..", H + "config..")
                .should().dependOnClassesThat().resideInAnyPackage(H + "inventory..", H + "device..", H + "run..",
                        H + "verdict..", H + "report..", H + "bisect..", H + "nightly..", H + "lab..", H + "lease..",
                        H + "store..", H + "cli..", H + "builds..", H + "serve..")
                .check(MAIN);
        noClasses().that().resideInAPackage(H + "device..")
                .should().dependOnClassesThat().resideInAPackage(H + "inventory..")
                .check(MAIN);
    }

    @Test
    public void aRunsResultIsWrittenOnlyByTheRun() {
        // result.json's model is written by the run (its recorder, under one lock) and read by everyone else: reports,
        // bisection, nightly and the command line never change what a run concluded
        noClasses().that().resideOutsideOfPackage(H + "run..")
                .should().setFieldWhere(com.tngtech.archunit.base.DescribedPredicate.describe("a field of the run's result",
                        (com.tngtech.archunit.core.domain.JavaFieldAccess a) -> a.getTargetOwner().getName().startsWith(
                                H + "run.RunResult") || a.getTargetOwner().getName().equals(H + "run.StepRecord")))
                .check(MAIN);
    }

    @Test
    public void onlyTheCommandLineStartsLabs() {
        // resolving an inventory never starts a lab by itself: the CLI passes the policy in (inventory.VirtualLabs)
        noClasses().that().resideOutsideOfPackages(H + "cli..", H + "lab..")
                .should().dependOnClassesThat().resideInAPackage(H + "lab..")
                .check(MAIN);
    }

    @Test
    public void theWebViewOnlyReads() {
        // serve shows what orchestrators wrote: it never drives a host, a lab or a run
        noClasses().that().resideInAPackage(H + "serve..")
                .should().dependOnClassesThat().resideInAnyPackage(H + "device..", H + "lab..", H + "run..", H + "bisect..",
                        H + "lease..", H + "cli..")
                .check(MAIN);
    }

    @Test
    public void nightlyAndBisectionAreIndependentModes() {
        noClasses().that().resideInAPackage(H + "nightly..").should().dependOnClassesThat().resideInAPackage(H + "bisect..")
                .check(MAIN);
        noClasses().that().resideInAPackage(H + "bisect..").should().dependOnClassesThat().resideInAPackage(H + "nightly..")
                .check(MAIN);
    }

    @Test
    public void theBaseDependsOnNothingOfTheHarness() {
        noClasses().that().resideInAnyPackage(H + "failure..", H + "wait..", H + "util..")
                .should().dependOnClassesThat().resideInAnyPackage(H + "inventory..", H + "device..", H + "run..", H + "verdict..",
                        H + "report..", H + "bisect..", H + "nightly..", H + "lab..", H + "lease..", H + "store..", H + "cli..",
                        H + "builds..", H + "serve..")
                .check(MAIN);
        noClasses().that().resideInAPackage(H + "inventory..")
                .should().dependOnClassesThat().resideInAnyPackage(H + "device..", H + "run..", H + "verdict..", H + "report..",
                        H + "bisect..", H + "nightly..", H + "lab..", H + "lease..", H + "store..", H + "cli..", H + "builds..", H + "serve..")
                .check(MAIN);
    }

    @Test
    public void noCyclesBetweenPackagesSubPackagesIncluded() {
        slices().matching("io.kdumplab.harness.(**)").should().beFreeOfCycles().check(MAIN);
    }
}
