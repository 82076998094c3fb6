package io.kdumplab.harness.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kdumplab.harness.verdict.Phase;
import io.kdumplab.harness.verdict.Verdict;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.testng.Assert.assertEquals;

/**
 * result.json as a mapping of the typed result: a file written before times were Instants and phases an enum (a real
 * run's, kept as a fixture) reads into the types, and writing it again gives the same JSON, field for field.
 */
@Test(groups = "unit")
public class RunResultTest {
    @Test
    public void aResultWrittenBeforeTheTypesReadsIntoThemAndWritesBackTheSame() throws Exception {
        Path fixture = Path.of(RunResultTest.class.getResource("/fixtures/result-before-typed-times.json").toURI());
        RunResult r = RunResult.read(fixture);
        assertEquals(r.verdict, Verdict.PASS);
        assertEquals(r.startedAt, Instant.parse("2026-12-05T13:47:10.431225419Z"));
        assertEquals(r.triggerAt, r.nmiSentAt.get(0));
        assertEquals(r.phases.get(0).phase(), Phase.SPAMMER_ON);
        assertEquals(r.lastPhase, Phase.REBOOT);
        assertEquals(r.phases.stream().filter(p -> p.phase() == Phase.SSH_BACK).count(), 1L);

        Path again = Files.createTempDirectory("result").resolve("result.json");
        r.save(again);
        ObjectMapper json = new ObjectMapper();
        JsonNode before = json.readTree(fixture.toFile());
        JsonNode after = json.readTree(again.toFile());
        assertEquals(after, before, "the same JSON after a read and a write");
    }
}
