package io.kdumplab.harness.util;

import java.nio.file.Path;

/**
 * The harness's own directories on the orchestrator: HARNESS_HOME (or the system property harness.home, for unit
 * tests) moves them all; otherwise XDG.
 */
public final class HarnessDirs {
    private HarnessDirs() {}

    public static Path cacheRoot() {
        return root("cache", "XDG_CACHE_HOME", ".cache");
    }

    public static Path stateRoot() {
        return root("state", "XDG_STATE_HOME", ".local/state");
    }

    private static Path root(String underHome, String xdgVar, String userDefault) {
        String home = System.getProperty("harness.home", System.getenv("HARNESS_HOME"));
        if (home != null && !home.isBlank()) {
            return Path.of(home).toAbsolutePath().resolve(underHome);
        }
        String xdg = System.getenv(xdgVar);
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home")).resolve(userDefault);
        return base.resolve("kdump-harness");
    }
}
