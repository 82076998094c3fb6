package io.kdumplab.harness.lab;

import java.nio.file.Path;

/**
 * Where the lab keeps things. Images are shared and cached by recipe hash;
 * each named lab instance has a directory of its own.
 * HARNESS_HOME moves everything (tests use it); otherwise XDG locations.
 */
public record LabPaths(Path cacheRoot, Path stateRoot) {

    public static LabPaths fromEnvironment() {
        return new LabPaths(io.kdumplab.harness.util.HarnessDirs.cacheRoot(), io.kdumplab.harness.util.HarnessDirs.stateRoot());
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
