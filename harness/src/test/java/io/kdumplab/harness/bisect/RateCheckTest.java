package io.kdumplab.harness.bisect;

import org.testng.annotations.Test;

import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

@Test(groups = "unit")
public class RateCheckTest {
    @Test
    public void aRateConsistentWithTheStatedOneSaysNothing() {
        assertNull(RateCheck.of(0.3, 0.15, 0.5));
        assertNull(RateCheck.of(1.0, 0.95, 1.0), "a deterministic bug stated as such");
    }

    @Test
    public void aRateFarBelowTheStatedOneIsAWarningWithTheRateToState() {
        String w = RateCheck.of(0.6, 0.05, 0.2);
        assertNotNull(w);
        assertTrue(w.contains("below half the stated 60%") && w.contains("--repro-rate 0.20"), w);
    }

    @Test
    public void aRateFarAboveTheStatedOneIsAHint() {
        String h = RateCheck.of(0.2, 0.55, 0.9);
        assertNotNull(h);
        assertTrue(h.contains("above twice the stated 20%") && h.contains("--repro-rate 0.55"), h);
    }

    @Test
    public void theModelsOwnIntervalRaisesTheWarningWhenTheBugIsMuchRarerThanStated() {
        // 60% stated; the bad endpoint fails 2 times in 40 trials: the data say about 5%
        BisectModel m = new BisectModel(8, 0.6, 0.02);
        for (int i = 0; i < 40; i++) {
            m.observe(7, i % 20 == 0);
        }
        double[] iv = m.reproRateInterval();
        assertNotNull(RateCheck.of(0.6, iv[0], iv[1]), "interval " + iv[0] + "-" + iv[1]);
    }
}
