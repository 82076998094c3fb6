package io.kdumplab.harness.lab;

import java.nio.file.Path;

/**
 * Where the lab keeps things. Images are shared and cached by recipe hash;
 * each named lab instance has a directory of its own.
 * HARNESS_HOME moves everything (tests use it); otherwise XDG locations.
 */
public record LabPaths(Path cacheRoot, Path stateRoot) {

    public static LabPaths fromEnvironment() {
        String home = System.getenv("HARNESS_HOME");
        if (home != null && !home.isBlank()) {
            Path h = Path.of(home).toAbsolutePath();
            return new LabPaths(h.resolve("cache"), h.resolve("state"));
        }
        Path user = Path.of(System.getProperty("user.home"));
        String xdgCache = System.getenv("XDG_CACHE_HOME");
        String xdgState = System.getenv("XDG_STATE_HOME");
        Path cache = xdgCache != null && !xdgCache.isBlank() ? Path.of(xdgCache) : user.resolve(".cache");
        Path state = xdgState != null && !xdgState.isBlank() ? Path.of(xdgState) : user.resolve(".local/state");
        return new LabPaths(cache.resolve("kdump-harness"), state.resolve("kdump-harness"));
    }

    public Path images() {
        return cacheRoot.resolve("images");
    }

    public Path nativeHelpers() {
        return cacheRoot.resolve("native");
    }

    public Path lab(String name) {
        return stateRoot.resolve("labs").resolve(name);
    }
}
