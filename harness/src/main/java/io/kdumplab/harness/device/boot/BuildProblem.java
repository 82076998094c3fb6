package io.kdumplab.harness.device.boot;

/**
 * The kernel build itself is at fault (it does not install, has no boot entry, does not boot, boots another release):
 * a bisection skips it like a commit that does not build; it is never retried.
 */
public final class BuildProblem extends RuntimeException {
    public BuildProblem(String message) {
        super(message);
    }
}
