package io.kdumplab.harness.builds;

import io.kdumplab.harness.device.boot.KernelPackage;

import java.nio.file.Path;
import java.util.List;

/** One kernel build of a bisection, at its place (index) in the ordered build list. */
public record Build(int index, String name, String kernelRelease, KernelPackage.Kind kind, List<Path> artifacts,
                    List<String> packages) implements KernelPackage {
    public Build {
        artifacts = List.copyOf(artifacts);
        packages = List.copyOf(packages);
    }
}
