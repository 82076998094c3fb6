package io.kdumplab.harness.config;

import io.kdumplab.harness.failure.ConfigurationException;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/** The machine's harness.yaml: the shipped example loads; every problem is named with file:line:column. */
@Test(groups = "unit")
public class HarnessConfigTest {
    @Test
    public void theShippedExampleLoadsWithPathsRelativeToTheFile() throws Exception {
        Path dir = Files.createTempDirectory("cfg");
        Path f = dir.resolve("harness.yaml");
        try (var in = HarnessConfigTest.class.getResourceAsStream("/deploy/harness.yaml")) {
            Files.write(f, in.readAllBytes());
        }
        HarnessConfig c = HarnessConfig.load(f);
        assertEquals(c.database(), "jdbc:postgresql://db.lab.example:5432/harness");
        assertEquals(c.databasePasswordFile(), Path.of("/etc/kdump-harness/db.password"));
        assertEquals(c.serveBind(), "0.0.0.0:8443");
        assertEquals(c.serveBasePath(), "/harness");
        Files.writeString(f, "reports: reports\ninventory: ../inv.yaml\n");
        c = HarnessConfig.load(f);
        assertEquals(c.reports(), dir.resolve("reports"));
        assertEquals(c.inventory(), dir.getParent().resolve("inv.yaml"));
    }

    @Test
    public void everyProblemIsNamedWithFileLineAndColumn() throws Exception {
        Path f = Files.createTempFile("harness", ".yaml");
        Files.writeString(f, "database: mysql://db\nlab: default\nserve:\n  bind: everywhere\n  tokenfile: /x\nreport: r\n");
        ConfigurationException e = expectThrows(ConfigurationException.class, () -> HarnessConfig.load(f));
        String m = e.getMessage();
        assertTrue(m.contains(f + ":1:") && m.contains("'mysql://db' is not a PostgreSQL JDBC URL"), m);
        assertTrue(m.contains(f + ":4:") && m.contains("'everywhere' is not ADDR:PORT"), m);
        assertTrue(m.contains(f + ":5:") && m.contains("unknown key 'tokenfile'"), m);
        assertTrue(m.contains(f + ":6:") && m.contains("unknown key 'report'"), m);
        Files.writeString(f, "database: [x\n");
        assertTrue(expectThrows(ConfigurationException.class, () -> HarnessConfig.load(f)).getMessage().matches("(?s).*:\\d+:\\d+.*"));
    }

    @Test
    public void harnessConfigMustNameAFileThatExists() {
        ConfigurationException e = expectThrows(ConfigurationException.class,
                () -> HarnessConfig.fromEnvironment(Map.of("HARNESS_CONFIG", "/nonexistent/harness.yaml")));
        assertTrue(e.getMessage().contains("HARNESS_CONFIG names /nonexistent/harness.yaml"), e.getMessage());
    }
}
