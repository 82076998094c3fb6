package io.kdumplab.harness.bisect;

import org.testng.annotations.Test;

import java.util.SplittableRandom;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

@Test(groups = "unit")
public class BisectModelTest {
    @Test
    public void deterministicBugIsFoundInAboutLog2Trials() {
        for (int firstBad = 1; firstBad < 64; firstBad += 7) {
            BisectModel m = new BisectModel(64, 0.9, 0.01);
            while (!m.done()) {
                int k = Math.max(1, m.next());
                m.observe(k, k >= firstBad);
            }
            assertEquals(m.best(), firstBad);
            assertTrue(m.trials() <= 16, "trials " + m.trials());
            assertTrue(m.confidence() >= 0.99);
        }
    }

    @Test
    public void intermittentBugIsFoundAndItsRateLearnt() {
        SplittableRandom rnd = new SplittableRandom(7);
        int right = 0;
        double rateSum = 0;
        for (int i = 0; i < 200; i++) {
            int firstBad = 1 + rnd.nextInt(31);
            BisectModel m = new BisectModel(32, 0.3, 0.02);
            while (!m.done() && m.trials() < 1000) {
                int k = Math.max(1, m.next());
                m.observe(k, k >= firstBad && rnd.nextDouble() < 0.6);
            }
            right += m.best() == firstBad ? 1 : 0;
            rateSum += m.reproRate();
        }
        assertTrue(right >= 190, "right " + right + "/200");
        assertTrue(rateSum / 200 > 0.45, "learnt rate " + rateSum / 200);
    }

    @Test
    public void simulationIsSeededAndRepeatable() {
        var a = BisectSimulation.run(16, 50, new double[] {0.6}, new double[] {0.5}, 0.05, 5, 1);
        var b = BisectSimulation.run(16, 50, new double[] {0.6}, new double[] {0.5}, 0.05, 5, 1);
        assertEquals(a, b);
    }

    @Test
    public void aSkippedBuildTurnsTheAnswerIntoARangeLikeGitBisectSkip() {
        // first bad = 5; build 5 cannot be tested, so 5 and 6 cannot be told apart
        BisectModel m = new BisectModel(10, 1.0, 0.05);
        m.skip(5);
        int guard = 0;
        while (!m.done() && guard++ < 50) {
            int k = Math.max(1, m.next());
            assertTrue(k != 5, "never picks a skipped build");
            m.observe(k, k >= 5);
        }
        assertTrue(m.done());
        assertEquals(m.bestRange(), new BisectModel.Range(5, 6));
        assertEquals(m.best(), 6, "the first build a test saw bad");
    }
}
