package io.kdumplab.harness.support;

import org.testng.IInvokedMethod;
import org.testng.IInvokedMethodListener;
import org.testng.ITestResult;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Harness processes started by tests. After every test method, whatever its
 * outcome, the ones still alive are killed (with their children) and waited
 * for, so an orphan run can never go on acting on the shared lab while the
 * next tests run.
 */
public final class ChildProcesses implements IInvokedMethodListener {
    private static final List<Process> STARTED = new ArrayList<>();

    public static synchronized Process track(Process p) {
        STARTED.add(p);
        return p;
    }

    public static synchronized void reapAll() {
        for (Process p : STARTED) {
            if (p.isAlive()) {
                System.err.println("[test] killing leftover harness process " + p.pid());
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        STARTED.clear();
    }

    @Override
    public void afterInvocation(IInvokedMethod method, ITestResult result) {
        if (method.isTestMethod()) {
            reapAll();
        }
    }
}
