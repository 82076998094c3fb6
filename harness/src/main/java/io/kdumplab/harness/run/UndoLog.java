package io.kdumplab.harness.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the run changed on the host, written down the moment it changes it, so
 * that restore can undo exactly that after success, failure or Ctrl-C alike
 * (a step that fails halfway has returned no value to pass on).
 */
public final class UndoLog {
    private final List<String> modules = new ArrayList<>();
    private final Map<String, String> sysctls = new LinkedHashMap<>();
    private boolean rebooted;
    private boolean kdumpWasReady;
    private boolean crashed;

    public synchronized void moduleLoaded(String module) {
        if (!modules.contains(module)) {
            modules.add(module);
        }
    }

    public synchronized void sysctlChanged(String key, String original) {
        sysctls.putIfAbsent(key, original);
    }

    /** The host rebooted since the sysctls were set: they are back to their boot values. */
    public synchronized void rebooted() {
        rebooted = true;
    }

    /** The run crashed the host on purpose (or tried to): its restore must see the host back. */
    public synchronized void crashed() {
        crashed = true;
    }

    public synchronized void kdumpReady() {
        kdumpWasReady = true;
    }

    public synchronized List<String> modules() {
        return List.copyOf(modules);
    }

    public synchronized Map<String, String> sysctls() {
        return Map.copyOf(sysctls);
    }

    public synchronized boolean hasRebooted() {
        return rebooted;
    }

    public synchronized boolean kdumpWasReady() {
        return kdumpWasReady;
    }

    /** Nothing to undo: no module loaded, no sysctl changed, no crash or reboot caused or tried. */
    public synchronized boolean changedNothing() {
        return modules.isEmpty() && sysctls.isEmpty() && !rebooted && !crashed;
    }
}
