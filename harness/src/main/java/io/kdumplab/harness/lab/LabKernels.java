package io.kdumplab.harness.lab;

import java.util.ArrayList;
import java.util.List;

/**
 * The kernels a lab image carries, by role: what tests and demos ask for instead of naming a release, so that
 * moving the image's pins moves them too.
 *
 * @param defaultKernel the default boot entry (stock)
 * @param rt            the PREEMPT_RT build of the same ABI
 * @param bisection     earlier real builds, oldest first (the bisection and nightly series demos)
 */
public record LabKernels(String defaultKernel, String rt, List<String> bisection) {
    public LabKernels {
        bisection = List.copyOf(bisection);
    }

    /** The bisection builds followed by the default: a consecutive series whose newest is the default kernel. */
    public List<String> seriesEndingAtDefault() {
        List<String> all = new ArrayList<>(bisection);
        all.add(defaultKernel);
        return all;
    }

    public List<String> all() {
        List<String> all = seriesEndingAtDefault();
        all.add(rt);
        return all;
    }
}
