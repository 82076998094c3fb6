package io.kdumplab.harness.support;

import io.kdumplab.harness.store.PrivateCluster;
import org.testng.ISuite;
import org.testng.ISuiteListener;

/**
 * Stops the shared lab when the suite ends, so a test run leaves no QEMU or BMC behind; and the private PostgreSQL
 * cluster when whoever started it is gone and nobody uses it (a harness process a test killed on purpose cannot stop
 * it itself: the next harness process would, but a suite is often the last one).
 */
public final class LabSuiteListener implements ISuiteListener {
    @Override
    public void onFinish(ISuite suite) {
        LabFixture.down();
        try {
            PrivateCluster c = PrivateCluster.local();
            if (c.isRunning() && c.starter().map(s -> !s.process().isRunning()).orElse(true) && c.clients().isEmpty()) {
                c.stop();
            }
        } catch (RuntimeException e) {
            System.err.println("the private PostgreSQL cluster was left as it is: " + e.getMessage());
        }
    }
}
