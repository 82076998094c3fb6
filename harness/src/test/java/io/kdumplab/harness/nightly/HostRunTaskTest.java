package io.kdumplab.harness.nightly;

import org.testng.annotations.Test;

import java.nio.charset.StandardCharsets;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/** The scheduled host run's data: JSON in the database, and a task scheduled by the older harness still read. */
@Test(groups = "unit")
public class HostRunTaskTest {
    private final HostRunTask.Data data = new HostRunTask.Data();

    @Test
    public void newTasksAreJsonAPersonCanRead() {
        byte[] b = data.serialize(new HostRunTask("lab-it/2026-11-27", "virtual-lab"));
        assertEquals(new String(b, StandardCharsets.UTF_8), "{\"night\":\"lab-it/2026-11-27\",\"host\":\"virtual-lab\"}");
        assertEquals(data.deserialize(HostRunTask.class, b), new HostRunTask("lab-it/2026-11-27", "virtual-lab"));
        assertEquals(new HostRunTask("n", "h").instanceId(), "n/h", "the execution id the older harness used too");
    }

    /** What the older harness stored (db-scheduler's default Java serialization of "night\nhost"). */
    @Test
    public void aTaskScheduledByTheOlderHarnessIsStillRead() throws Exception {
        assertEquals(data.deserialize(HostRunTask.class, javaSerialized("lab-it/2026-11-27\nvirtual-lab")),
                new HostRunTask("lab-it/2026-11-27", "virtual-lab"));
        expectThrows(RuntimeException.class, () -> data.deserialize(HostRunTask.class, javaSerialized("no host")));
        // never anything but a string out of old data: no gadget classes
        RuntimeException e = expectThrows(RuntimeException.class,
                () -> data.deserialize(HostRunTask.class, javaSerialized(new java.util.ArrayList<>(java.util.List.of("x")))));
        assertTrue(String.valueOf(e.getCause()).contains("only a string"), String.valueOf(e.getCause()));
    }

    /** As the older harness's scheduler wrote it: db-scheduler's own default serializer. */
    private static byte[] javaSerialized(Object o) {
        return com.github.kagkarlsson.scheduler.serializer.Serializer.DEFAULT_JAVA_SERIALIZER.serialize(o);
    }
}
