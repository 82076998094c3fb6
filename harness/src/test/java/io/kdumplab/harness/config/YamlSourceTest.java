package io.kdumplab.harness.config;

import io.kdumplab.harness.inventory.Inventory;

import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.nightly.PlanLoader;
import io.kdumplab.harness.run.ScenarioLoader;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/** A YAML syntax error in any configuration file names file:line:column, whichever loader reads it. */
@Test(groups = "unit")
public class YamlSourceTest {
    /** An unclosed flow sequence on line 3: the parser notices at line 4. */
    private static final String BROKEN = "name: x\nhosts: [a, b\nkernels: [k1]\nscenarios: [seed]\n";

    private static Path write(String text) throws Exception {
        Path f = Files.createTempDirectory("yaml").resolve("file.yaml");
        Files.writeString(f, text);
        return f;
    }

    private static void namesTheLine(ConfigurationException e, Path f) {
        assertTrue(e.getMessage().matches("(?s)\\Q" + f + "\\E:[2-4]:\\d+: not valid YAML: .+"), e.getMessage());
    }

    @Test
    public void aNightlyPlan() throws Exception {
        Path f = write(BROKEN);
        namesTheLine(expectThrows(ConfigurationException.class, () -> PlanLoader.load(f)), f);
    }

    @Test
    public void anInventory() throws Exception {
        Path f = write("hosts:\n  - name: a\n    ssh: {host: b, user: root\n    bmc: {host: c}\n");
        namesTheLine(expectThrows(ConfigurationException.class, () -> Inventory.load(f)), f);
    }

    @Test
    public void aScenario() throws Exception {
        Path f = write("name: s\nnmi: {count: 2\nspammer: {threads: 1}\n");
        namesTheLine(expectThrows(ConfigurationException.class, () -> ScenarioLoader.load(f)), f);
    }
}
