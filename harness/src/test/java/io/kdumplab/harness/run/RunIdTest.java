package io.kdumplab.harness.run;

import org.testng.annotations.Test;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

@Test(groups = "unit")
public class RunIdTest {
    @Test
    public void idsAreDistinctWithinOneSecondOnOneHostAndSortByTime() {
        Instant now = Instant.parse("2026-11-27T13:00:00Z");
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add(RunId.next("r740/03", now));
        }
        assertEquals(ids.size(), 100_000);
        String id = ids.iterator().next();
        assertTrue(id.matches("20261127-130000-r740_03-[0-9a-f]{12}"), id);
        assertTrue(RunId.next("h", now).compareTo(RunId.next("h", now.plusSeconds(1))) < 0);
    }
}
