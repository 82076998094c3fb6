package io.kdumplab.harness.support;

import org.testng.ISuite;
import org.testng.ISuiteListener;

/** Stops the shared lab when the suite ends, so a test run leaves no QEMU or BMC behind. */
public final class LabSuiteListener implements ISuiteListener {
    @Override
    public void onFinish(ISuite suite) {
        LabFixture.down();
    }
}
