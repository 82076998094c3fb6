package io.kdumplab.harness.nightly;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated nightly plan: hosts (each in an orchestrator lab), kernels,
 * scenarios, repeats per cell, the night's wall-clock budget and the console
 * silence that counts as a hang. Cells are the product hosts x kernels x
 * scenarios x repeats, in a fixed order per host.
 */
public record NightlyPlan(String name, Path file, Path inventory, Duration budget, Duration hangAfter, int repeats, List<Host> hosts,
                          List<Kernel> kernels, List<String> scenarios) {

    /** A host of the inventory (or the virtual lab) and the lab whose orchestrators run it. */
    public record Host(String name, String lab) {}

    /**
     * A kernel column of the matrix. Exactly one source: an installed release, or a series (a builds directory or
     * manifest as `bisect` takes; the newest build is taken each night), optionally with artifacts to install a release.
     */
    public record Kernel(String name, String release, Path series, Path artifacts) {
        public boolean isSeries() {
            return series != null;
        }

        /** A column whose build is installed on the host before its first cell (a series, or a release from artifacts). */
        public boolean installs() {
            return series != null || artifacts != null;
        }
    }

    /** One cell of the night: its key is stable across nights, so nights can be compared. */
    public record Cell(String key, String lab, String host, String kernel, String scenario, int repeat, int seq) {
        static String key(String host, String kernel, String scenario, int repeat) {
            return host + "|" + kernel + "|" + scenario + "|" + repeat;
        }
    }

    public List<Cell> cells() {
        List<Cell> out = new ArrayList<>();
        for (Host h : hosts) {
            int seq = 0;
            // kernel-major, installed builds first: tonight's new builds are what the night is for (they run before the budget
            // can run out), and they are the columns that need an install; the installed releases after them can then
            // be booted by the dump's own reboot (LabCells chains each cell's crash into the next cell's kernel)
            List<Kernel> order = new ArrayList<>(kernels.stream().filter(Kernel::installs).toList());
            order.addAll(kernels.stream().filter(k -> !k.installs()).toList());
            for (Kernel k : order) {
                for (String s : scenarios) {
                    for (int r = 1; r <= repeats; r++) {
                        out.add(new Cell(Cell.key(h.name(), k.name(), s, r), h.lab(), h.name(), k.name(), s, r, seq++));
                    }
                }
            }
        }
        return out;
    }

    public Kernel kernel(String name) {
        return kernels.stream().filter(k -> k.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no kernel " + name + " in plan " + this.name));
    }

    public List<String> labs() {
        return hosts.stream().map(Host::lab).distinct().toList();
    }
}
