package io.kdumplab.harness.lab;

import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

/**
 * A lab's state.json written by the previous harness (the Redfish service's fields flat, a real lab's file kept as a
 * fixture) is read with its Redfish service, so an upgraded harness still stops that process with the lab.
 */
@Test(groups = "unit")
public class LabStateTest {
    @Test
    public void aStateWithTheRedfishServiceFlatIsReadWithIt() throws Exception {
        Path dir = Files.createTempDirectory("lab-state");
        Files.copy(Path.of(LabStateTest.class.getResource("/fixtures/lab-state-flat-redfish.json").toURI()),
                dir.resolve(LabState.FILE));
        LabState s = LabState.load(dir).orElseThrow();
        assertEquals(s.redfishPort(), 32827);
        assertEquals(s.redfishPid(), 1327L);
        assertEquals(s.redfish().pid(), 1327L);
        assertTrue(s.redfishFingerprint().startsWith("SHA256:86:34"), s.redfishFingerprint());
        assertNotNull(s.sshConsole(), "the nested parts as they were");
        assertEquals(s.sshConsole().passwordUser(), "kdump-console");

        // written again: the new shape, read back the same
        s.save(dir);
        assertTrue(Files.readString(dir.resolve(LabState.FILE)).contains("\"redfishService\""));
        assertEquals(LabState.load(dir).orElseThrow(), s);
    }
}
