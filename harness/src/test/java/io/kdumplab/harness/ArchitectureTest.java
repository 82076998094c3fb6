package io.kdumplab.harness;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.testng.annotations.Test;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Imports flow one way, along the data: cli -> bisect -> lab/report -> run -> verdict -> device -> inventory ->
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
                .layer("bisect").definedBy("io.kdumplab.harness.bisect..")
                .layer("lab").definedBy("io.kdumplab.harness.lab..")
                .layer("report").definedBy("io.kdumplab.harness.report..")
                .layer("run").definedBy("io.kdumplab.harness.run..")
                .layer("verdict").definedBy("io.kdumplab.harness.verdict..")
                .layer("device").definedBy("io.kdumplab.harness.device..")
                .layer("inventory").definedBy("io.kdumplab.harness.inventory..")
                .layer("base").definedBy("io.kdumplab.harness.failure..", "io.kdumplab.harness.wait..", "io.kdumplab.harness.util..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("bisect").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("lab").mayOnlyBeAccessedByLayers("cli", "bisect")
                .whereLayer("report").mayOnlyBeAccessedByLayers("cli", "bisect", "lab")
                .whereLayer("run").mayOnlyBeAccessedByLayers("cli", "bisect", "lab", "report")
                .whereLayer("verdict").mayOnlyBeAccessedByLayers("cli", "bisect", "lab", "report", "run")
                .whereLayer("device").mayOnlyBeAccessedByLayers("cli", "bisect", "lab", "report", "run", "verdict")
                .whereLayer("inventory").mayOnlyBeAccessedByLayers("cli", "bisect", "lab", "report", "run", "verdict", "device")
                .check(MAIN);
    }

    @Test
    public void noCyclesBetweenPackages() {
        slices().matching("io.kdumplab.harness.(*)..").should().beFreeOfCycles().check(MAIN);
    }
}
