package io.kdumplab.harness.lab;

import io.kdumplab.harness.run.ModuleSources;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.util.Processes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A bisection test bench made of real builds: consecutive Debian kernel
 * packages (image, headers) fetched with apt on this machine, one directory
 * per build, and from a chosen build on a small companion package that
 * ships panic_wedge for that kernel and loads it at boot (systemd
 * ConditionKernelVersion), so the regression belongs to the build: booting
 * an older kernel leaves it behind, exactly as a regression in a kernel
 * would. The package builds the module with the kernel's own headers in its
 * postinst, as DKMS packages do.
 */
public final class DemoBuilds {
    private final Path cache;
    private final Consumer<String> log;

    public DemoBuilds(Path cache, Consumer<String> log) {
        this.cache = cache;
        this.log = log;
    }

    /** Writes out/NN-KERNEL/*.deb for each kernel; builds from index badFrom on carry the regression. */
    public List<Path> create(Path out, List<String> kernels, int badFrom, int probability) {
        if (kernels.size() < 3) {
            throw new ConfigurationException("demo builds need at least 3 kernels, got " + kernels, "e.g. --kernels 6.1.0-54-amd64,6.1.0-55-amd64,6.1.0-56-amd64");
        }
        if (badFrom < 1 || badFrom >= kernels.size()) {
            throw new ConfigurationException("--bad-from must be 1.." + (kernels.size() - 1) + " (the first build is the good endpoint)", "");
        }
        List<Path> dirs = new ArrayList<>();
        try {
            Files.createDirectories(out);
            for (int i = 0; i < kernels.size(); i++) {
                String k = kernels.get(i);
                Path d = out.resolve(String.format("%02d-%s", i + 1, k));
                Files.createDirectories(d);
                for (Path deb : download(k)) {
                    Files.copy(deb, d.resolve(deb.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
                if (i >= badFrom) {
                    Path companion = companion(k, probability);
                    Files.copy(companion, d.resolve(companion.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
                dirs.add(d);
                log.accept(d + (i >= badFrom ? "  (regression: panic_wedge " + probability + "%)" : ""));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dirs;
    }

    /** linux-image-K, linux-headers-K and its -common package, from this machine's apt sources (cached). */
    List<Path> download(String kernel) throws IOException {
        String flavourless = kernel.replaceFirst("-(amd64|rt-amd64|cloud-amd64)$", "");
        List<String> packages = List.of("linux-image-" + kernel, "linux-headers-" + kernel, "linux-headers-" + flavourless + "-common"
                + (kernel.contains("-rt-") ? "-rt" : ""));
        Path dir = cache.resolve("debs");
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String p : packages) {
            find(dir, p).ifPresentOrElse(out::add, () -> missing.add(p));
        }
        if (!missing.isEmpty()) {
            List<String> cmd = new ArrayList<>(List.of("apt-get", "-o", "APT::Sandbox::User=root", "download"));
            cmd.addAll(missing);
            Processes.Outcome r = Processes.run(cmd, Duration.ofMinutes(10), dir);
            if (!r.ok()) {
                throw new InfrastructureException("apt", "apt-get download " + missing + " failed: " + r.output().strip(),
                        "check this machine's apt sources (the archive must still serve these builds)");
            }
            for (String p : missing) {
                out.add(find(dir, p).orElseThrow(() -> new InfrastructureException("apt", "apt-get download left no " + p + "_*.deb", "")));
            }
        }
        return out;
    }

    private static java.util.Optional<Path> find(Path dir, String pkg) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(pkg + "_") && p.toString().endsWith(".deb")).findFirst();
        }
    }

    /** kdump-harness-wedge-K_1.0_all.deb, built with dpkg-deb. */
    Path companion(String kernel, int probability) throws IOException {
        String pkg = "kdump-harness-wedge-" + kernel;
        Path root = Files.createTempDirectory("wedge-deb");
        try {
            Path src = root.resolve("usr/src/" + pkg);
            Files.createDirectories(src);
            ModuleSources.extract("panic_wedge", ModuleSources.WEDGE, root.resolve("tmp"));
            for (String f : ModuleSources.WEDGE) {
                Files.copy(root.resolve("tmp/panic_wedge").resolve(f), src.resolve(f));
            }
            deleteTree(root.resolve("tmp"));
            Path unit = root.resolve("lib/systemd/system/" + pkg + ".service");
            Files.createDirectories(unit.getParent());
            Files.writeString(unit, String.join("\n",
                    "[Unit]",
                    "Description=Test-only regression of the NMI/kdump harness: panic_wedge on " + kernel,
                    "ConditionKernelVersion=" + kernel,
                    "[Service]",
                    "Type=oneshot",
                    "RemainAfterExit=yes",
                    "ExecStart=/sbin/modprobe panic_wedge probability=" + probability,
                    "[Install]",
                    "WantedBy=multi-user.target", ""));
            Path debian = root.resolve("DEBIAN");
            Files.createDirectories(debian);
            Files.writeString(debian.resolve("control"), String.join("\n",
                    "Package: " + pkg,
                    "Version: 1.0",
                    "Architecture: all",
                    "Maintainer: NMI/kdump harness <harness@localhost>",
                    "Depends: linux-headers-" + kernel + ", make, gcc",
                    "Section: kernel",
                    "Priority: optional",
                    "Description: test-only regression for bisection tests (NMI/kdump harness)",
                    " Builds panic_wedge for " + kernel + " and loads it at boot of that kernel only:",
                    " every panic then stalls before the capture kernel starts (no vmcore).", ""));
            String dest = "/lib/modules/" + kernel + "/updates/panic_wedge.ko";
            script(debian.resolve("postinst"), "set -e",
                    "[ \"$1\" = configure ] || exit 0",
                    "make -s -C /lib/modules/" + kernel + "/build M=/usr/src/" + pkg + " modules",
                    "install -D -m 644 /usr/src/" + pkg + "/panic_wedge.ko " + dest,
                    "depmod " + kernel,
                    "systemctl enable " + pkg + ".service >/dev/null 2>&1 || true");
            script(debian.resolve("prerm"), "set -e",
                    "systemctl disable " + pkg + ".service >/dev/null 2>&1 || true",
                    "rm -f " + dest,
                    "depmod " + kernel + " || true",
                    "make -s -C /lib/modules/" + kernel + "/build M=/usr/src/" + pkg + " clean >/dev/null 2>&1 || true");
            Path outDir = cache.resolve("companions");
            Files.createDirectories(outDir);
            Path deb = outDir.resolve(pkg + "_1.0_all.deb");
            Processes.Outcome r = Processes.run(List.of("dpkg-deb", "--root-owner-group", "--build", root.toString(), deb.toString()),
                    Duration.ofMinutes(2), null);
            if (!r.ok()) {
                throw new InfrastructureException("dpkg-deb", "building " + deb.getFileName() + " failed: " + r.output().strip(),
                        "dpkg-deb comes with dpkg (Debian/Ubuntu hosts)");
            }
            return deb;
        } finally {
            deleteTree(root);
        }
    }

    private static void script(Path file, String... lines) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + String.join("\n", lines) + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
