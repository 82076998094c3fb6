package io.kdumplab.harness;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.testng.annotations.Test;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Imports flow one way, along the data: cli -> nightly -> bisect -> lab -> lease -> store -> report -> run -> verdict ->
 * device -> inventory ->
 * failure/wait/util. No package imports a layer above it, and there are no cycles between packages.
 */
@Test(groups = "unit")
public class ArchitectureTest {
    static final JavaClasses MAIN = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.kdumplab.harness");

    @Test
    public void layersOnlyLookDown() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("io.kdumplab.harness.cli..")
                .layer("nightly").definedBy("io.kdumplab.harness.nightly..")
                .layer("bisect").definedBy("io.kdumplab.harness.bisect..")
                .layer("lab").definedBy("io.kdumplab.harness.lab..")
                .layer("lease").definedBy("io.kdumplab.harness.lease..")
                .layer("store").definedBy("io.kdumplab.harness.store..")
                .layer("report").definedBy("io.kdumplab.harness.report..")
                .layer("run").definedBy("io.kdumplab.harness.run..")
                .layer("verdict").definedBy("io.kdumplab.harness.verdict..")
                .layer("device").definedBy("io.kdumplab.harness.device..")
                .layer("inventory").definedBy("io.kdumplab.harness.inventory..")
                .layer("base").definedBy("io.kdumplab.harness.failure..", "io.kdumplab.harness.wait..", "io.kdumplab.harness.util..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("nightly").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("bisect").mayOnlyBeAccessedByLayers("cli", "nightly")
                .whereLayer("lab").mayOnlyBeAccessedByLayers("cli", "nightly", "bisect")
                .whereLayer("lease").mayOnlyBeAccessedByLayers("cli", "nightly", "bisect", "lab")
                .whereLayer("store").mayOnlyBeAccessedByLayers("cli", "nightly", "bisect", "lab", "lease")
                .whereLayer("report").mayOnlyBeAccessedByLayers("cli", "nightly", "bisect", "lab", "lease", "store")
                .whereLayer("run").mayOnlyBeAccessedByLayers("cli", "nightly", "bisect", "lab", "lease", "store", "report")
                .whereLayer("verdict").mayOnlyBeAccessedByLayers("cli", "nightly", "bisect", "lab", "lease", "store", "report", "run")
                .whereLayer("device").mayOnlyBeAccessedByLayers("cli", "nightly", "bisect", "lab", "lease", "store", "report", "run",
                        "verdict")
                .whereLayer("inventory").mayOnlyBeAccessedByLayers("cli", "nightly", "bisect", "lab", "lease", "store", "report",
                        "run", "verdict", "device")
                .check(MAIN);
    }

    @Test
    public void noCyclesBetweenPackages() {
        slices().matching("io.kdumplab.harness.(*)..").should().beFreeOfCycles().check(MAIN);
    }
}
