package io.kdumplab.harness.builds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.kdumplab.harness.config.SourceLocations;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.util.Hashing;
import io.kdumplab.harness.util.Processes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The ordered builds of a bisection, oldest first, from
 * <ul>
 *   <li>a directory with one subdirectory per build (its package files or tarball), ordered by name as versions
 *       sort ("6.1.0-9" before "6.1.0-10"), or</li>
 *   <li>a directory of kernel package files or tarballs, one build each, ordered the same way, or</li>
 *   <li>a YAML manifest listing builds in order (artifacts relative to the manifest, or repository package
 *       names).</li>
 * </ul>
 * Every file is checked to exist and be readable before any run, and every
 * build must name the kernel release it boots, so a mistake costs no machine
 * time. Errors name the file and line.
 */
public record BuildList(Path source, List<Build> builds) {
    private static final Pattern DEB_KERNEL = Pattern.compile("^linux-image-(?:unsigned-)?(\\d[^_]*)_[^_]+_[^_]+\\.deb$");
    private static final Pattern RPM_KERNEL = Pattern.compile("^kernel(?:-rt)?(?:-core)?-(\\d.*)\\.rpm$");
    /**
     * SUSE: kernel-FLAVOUR-VERSION-RELEASE.N.ARCH.rpm boots VERSION-RELEASE-FLAVOUR (uname -r drops the rebuild
     * counter N): kernel-default-6.4.0-150600.23.25.1.x86_64.rpm is 6.4.0-150600.23.25-default.
     */
    private static final Pattern SUSE_RPM_KERNEL = Pattern.compile(
            "^kernel-(default|rt|azure|kvmsmall|64kb|vanilla)-(\\d[^-]*)-(\\S+?)\\.\\d+\\.(?:x86_64|aarch64|ppc64le|s390x)\\.rpm$");
    private static final Pattern PKG_KERNEL = Pattern.compile("^linux-image-(?:unsigned-)?(\\d\\S*)$|^kernel(?:-rt)?(?:-core)?-(\\d\\S*)$");
    private static final Pattern TARBALL = Pattern.compile(".*\\.(tar|tar\\.gz|tgz|tar\\.xz|txz|tar\\.zst)$");
    private static final Pattern TAR_KERNEL = Pattern.compile("^(?:\\./)?boot/vmlinu[xz]-(\\S+)$");

    public int size() {
        return builds.size();
    }

    public Build get(int i) {
        return builds.get(i);
    }

    /** Index of the build with this name or kernel release. */
    public int indexOf(String nameOrRelease, String flag) {
        for (Build b : builds) {
            if (b.name().equals(nameOrRelease) || b.kernelRelease().equals(nameOrRelease)) {
                return b.index();
            }
        }
        throw new ConfigurationException(flag + " '" + nameOrRelease + "' is not a build of " + source,
                "builds are: " + builds.stream().map(Build::name).toList());
    }

    /** The builds from good to bad inclusive, re-indexed from 0. */
    public BuildList slice(int good, int bad) {
        if (good >= bad) {
            throw new ConfigurationException("the good build " + builds.get(good).name() + " does not come before the bad build "
                    + builds.get(bad).name() + " in " + source, "builds are ordered oldest first; swap --good and --bad");
        }
        if (bad - good < 2) {
            throw new ConfigurationException("nothing to bisect: " + builds.get(good).name() + " and " + builds.get(bad).name()
                    + " are neighbours in " + source, "the first bad build is " + builds.get(bad).name() + " already");
        }
        List<Build> out = new ArrayList<>();
        for (int i = good; i <= bad; i++) {
            Build b = builds.get(i);
            out.add(new Build(i - good, b.name(), b.kernelRelease(), b.kind(), b.artifacts(), b.packages()));
        }
        return new BuildList(source, out);
    }

    /** A digest of names, releases and artifact contents: a resumed bisection must see the same builds. */
    public String fingerprint() {
        StringBuilder s = new StringBuilder();
        for (Build b : builds) {
            s.append(b.name()).append('|').append(b.kernelRelease()).append('|').append(b.kind()).append('|');
            for (Path a : b.artifacts()) {
                s.append(a.getFileName()).append(':').append(sizeOf(a)).append(',');
            }
            s.append(String.join(",", b.packages())).append('\n');
        }
        return Hashing.sha256Hex(s.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    /** A bisection's builds: at least a good endpoint, a bad endpoint and one build between them. */
    public static BuildList load(Path source) {
        return load(source, 3);
    }

    /** The build of `release` in `artifacts` (a builds directory or manifest, as `bisect` takes); an input error if none. */
    public static Build buildOf(Path artifacts, String release) {
        BuildList list = loadAny(artifacts);
        return list.builds().stream().filter(b -> b.kernelRelease().equals(release)).findFirst()
                .orElseThrow(() -> new ConfigurationException(artifacts + " has no build of " + release,
                        "builds there: " + list.builds().stream().map(Build::kernelRelease).toList()));
    }

    /** Builds of a nightly series or of kernel artifacts: one build is enough (the newest is taken). */
    public static BuildList loadAny(Path source) {
        return load(source, 1);
    }

    private static BuildList load(Path source, int atLeast) {
        if (!Files.exists(source)) {
            throw new ConfigurationException("build list " + source + " does not exist",
                    "give a directory of kernel builds or a YAML manifest (see README, section Bisection)");
        }
        List<Build> builds = Files.isDirectory(source) ? fromDirectory(source) : fromManifest(source);
        if (builds.isEmpty()) {
            throw new ConfigurationException(source + " holds no builds", "add builds, or check the directory layout");
        }
        if (builds.size() < atLeast) {
            throw new ConfigurationException(source + " holds " + builds.size() + " build(s); a bisection needs a good endpoint,"
                    + " a bad endpoint and at least one build between them", "add builds, or check the directory layout");
        }
        List<String> releases = new ArrayList<>();
        for (Build b : builds) {
            if (releases.contains(b.kernelRelease())) {
                throw new ConfigurationException(source + ": two builds boot the same kernel release " + b.kernelRelease()
                        + "; the harness could not tell them apart on the host", "give each build its own kernel release");
            }
            releases.add(b.kernelRelease());
        }
        return new BuildList(source, builds);
    }

    // ------------------------------------------------------------------ directory

    private static List<Build> fromDirectory(Path dir) {
        List<Path> entries = list(dir);
        List<Path> subdirs = entries.stream().filter(Files::isDirectory).toList();
        List<Build> out = new ArrayList<>();
        if (!subdirs.isEmpty()) {
            List<Path> stray = entries.stream().filter(p -> !Files.isDirectory(p) && !p.getFileName().toString().startsWith(".")
                    && !p.getFileName().toString().equalsIgnoreCase("README.md")).toList();
            if (!stray.isEmpty()) {
                throw new ConfigurationException(dir + " mixes build subdirectories with loose files " + names(stray),
                        "put every build in its own subdirectory, or use a manifest");
            }
            List<Path> sorted = new ArrayList<>(subdirs);
            sorted.sort(Comparator.comparing(p -> p.getFileName().toString(), VersionOrder.INSTANCE));
            for (Path d : sorted) {
                out.add(fromArtifacts(out.size(), d.getFileName().toString(), null, list(d), d.toString()));
            }
        } else {
            List<Path> kernels = entries.stream().filter(p -> kernelReleaseOfFile(p).isPresent() || isTarball(p)).toList();
            List<Path> other = entries.stream().filter(p -> !kernels.contains(p) && !p.getFileName().toString().startsWith(".")).toList();
            if (!other.isEmpty()) {
                throw new ConfigurationException(dir + " holds files that are not kernel builds: " + names(other),
                        "with several files per build (image + headers + extras), use one subdirectory per build");
            }
            List<Path> sorted = new ArrayList<>(kernels);
            sorted.sort(Comparator.comparing(p -> p.getFileName().toString(), VersionOrder.INSTANCE));
            for (Path k : sorted) {
                out.add(fromArtifacts(out.size(), stripExtension(k.getFileName().toString()), null, List.of(k), k.toString()));
            }
        }
        return out;
    }

    /** A build from its files: one kind only, and a kernel release found in a file name or the tarball. */
    static Build fromArtifacts(int index, String name, String declaredRelease, List<Path> files, String where) {
        if (files.isEmpty()) {
            throw new ConfigurationException(where + ": build '" + name + "' has no files", "add its kernel packages or tarball");
        }
        for (Path f : files) {
            if (!Files.isRegularFile(f) || !Files.isReadable(f)) {
                throw new ConfigurationException(where + ": build '" + name + "': " + f + " is missing or unreadable",
                        "check the path and its permissions");
            }
        }
        Build.Kind kind = null;
        for (Path f : files) {
            String n = f.getFileName().toString();
            Build.Kind k = n.endsWith(".deb") ? Build.Kind.DEB : n.endsWith(".rpm") ? Build.Kind.RPM
                    : isTarball(f) ? Build.Kind.TARBALL : null;
            if (k == null) {
                throw new ConfigurationException(where + ": build '" + name + "': " + n + " is not a .deb, .rpm or kernel tarball",
                        "remove it, or list the build's files in a manifest");
            }
            if (kind != null && kind != k) {
                throw new ConfigurationException(where + ": build '" + name + "' mixes " + kind + " and " + k + " files",
                        "one build is installed one way");
            }
            kind = k;
        }
        if (kind == Build.Kind.TARBALL && files.size() > 1) {
            throw new ConfigurationException(where + ": build '" + name + "' has several tarballs", "one tarball per build");
        }
        String release = declaredRelease;
        if (release == null) {
            List<String> found = new ArrayList<>();
            for (Path f : files) {
                kernelReleaseOfFile(f).ifPresent(found::add);
            }
            if (kind == Build.Kind.TARBALL) {
                found.addAll(kernelReleasesInTarball(files.get(0), where));
            }
            found = found.stream().distinct().toList();
            if (found.size() != 1) {
                throw new ConfigurationException(where + ": cannot tell which kernel build '" + name + "' boots (found "
                        + (found.isEmpty() ? "no kernel image" : found) + ")",
                        "name it with `kernel: <uname -r>` in a manifest");
            }
            release = found.get(0);
        }
        return new Build(index, name, release, kind, files, List.of());
    }

    static Optional<String> kernelReleaseOfFile(Path f) {
        String n = f.getFileName().toString();
        Matcher m = DEB_KERNEL.matcher(n);
        if (m.matches() && !n.contains("-dbg")) {
            return Optional.of(m.group(1));
        }
        // kernel-rt-* is both RHEL's and SUSE's: a RHEL or Fedora release carries its .elN / .fcN tag
        m = SUSE_RPM_KERNEL.matcher(n);
        if (m.matches() && !n.matches(".*\\.(el|fc)\\d.*")) {
            return Optional.of(m.group(2) + "-" + m.group(3) + "-" + m.group(1));
        }
        m = RPM_KERNEL.matcher(n);
        if (m.matches()) {
            return Optional.of(m.group(1));
        }
        return Optional.empty();
    }

    private static List<String> kernelReleasesInTarball(Path tarball, String where) {
        Processes.Outcome r = Processes.run(List.of("tar", "-tf", tarball.toString()), Duration.ofMinutes(2), null);
        if (r.exitCode() != 0) {
            throw new ConfigurationException(where + ": cannot list " + tarball + ": " + r.output().strip(),
                    "check that it is a complete tar archive");
        }
        List<String> out = new ArrayList<>();
        for (String line : r.output().split("\n")) {
            String member = line.strip();
            if (member.isEmpty()) {
                continue;
            }
            // it is unpacked into / as root: only the kernel's own trees may be in it
            if (!member.matches("^(\\./)?((boot|lib/modules|usr/lib/modules)(/.*)?|lib/?|usr/?|usr/lib/?)?$")) {
                throw new ConfigurationException(where + ": " + tarball.getFileName() + " holds " + member
                        + ", outside boot/ and lib/modules/", "a kernel tarball holds boot/vmlinuz-REL (+ initrd, config, System.map) and lib/modules/REL only");
            }
            Matcher m = TAR_KERNEL.matcher(member);
            if (m.matches()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    private static boolean isTarball(Path p) {
        return TARBALL.matcher(p.getFileName().toString()).matches();
    }

    // ------------------------------------------------------------------ manifest

    /** builds: [{name, kernel, artifacts: [...]} | {name, kernel, packages: [...]}] */
    record ManifestShape(List<BuildShape> builds) {}

    record BuildShape(String name, String kernel, List<String> artifacts, List<String> packages) {}

    private static List<Build> fromManifest(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigurationException("cannot read build manifest " + file + ": " + e.getMessage(),
                    "check the path and its permissions");
        }
        io.kdumplab.harness.config.YamlSource.syntax(file, text); // a syntax error names its line, as in every file
        SourceLocations loc = SourceLocations.scan(file, text);
        ManifestShape m;
        try {
            m = YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build()
                    .readValue(text, ManifestShape.class);
        } catch (UnrecognizedPropertyException e) {
            StringBuilder pointer = new StringBuilder();
            e.getPath().forEach(r -> pointer.append('/').append(r.getFieldName() != null ? r.getFieldName() : Integer.toString(r.getIndex())));
            throw new ConfigurationException(loc.at(pointer.toString()) + ": unknown field '" + e.getPropertyName() + "'",
                    "expected one of: " + e.getKnownPropertyIds());
        } catch (JsonProcessingException e) {
            var l = e.getLocation();
            throw new ConfigurationException(file + ":" + (l == null ? "1:1" : l.getLineNr() + ":" + l.getColumnNr()) + ": "
                    + e.getOriginalMessage().lines().findFirst().orElse(""), "see README, section Bisection, for the manifest format");
        }
        if (m == null || m.builds() == null) {
            throw new ConfigurationException(file + ":1:1: no 'builds:' list", "see README, section Bisection");
        }
        List<Build> out = new ArrayList<>();
        Path base = file.toAbsolutePath().getParent();
        for (int i = 0; i < m.builds().size(); i++) {
            BuildShape b = m.builds().get(i);
            String at = loc.at("/builds/" + i);
            if (b == null || b.name() == null || b.name().isBlank()) {
                throw new ConfigurationException(at + ": build without a name", "add `name: <label>`");
            }
            boolean hasFiles = b.artifacts() != null && !b.artifacts().isEmpty();
            boolean hasPackages = b.packages() != null && !b.packages().isEmpty();
            if (hasFiles == hasPackages) {
                throw new ConfigurationException(at + ": build '" + b.name() + "' needs either artifacts (files) or packages"
                        + " (repository package names), not " + (hasFiles ? "both" : "neither"), "see README, section Bisection");
            }
            if (hasFiles) {
                List<Path> files = new ArrayList<>();
                for (int j = 0; j < b.artifacts().size(); j++) {
                    Path p = base.resolve(b.artifacts().get(j)).normalize();
                    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                        throw new ConfigurationException(loc.at("/builds/" + i + "/artifacts/" + j) + ": " + p + " is missing or unreadable",
                                "paths are relative to the manifest's directory");
                    }
                    files.add(p);
                }
                out.add(fromArtifacts(out.size(), b.name(), b.kernel(), files, at));
            } else {
                String release = b.kernel();
                if (release == null) {
                    List<String> found = b.packages().stream().map(PKG_KERNEL::matcher).filter(Matcher::matches)
                            .map(mm -> mm.group(1) != null ? mm.group(1) : mm.group(2)).distinct().toList();
                    if (found.size() != 1) {
                        throw new ConfigurationException(at + ": cannot tell which kernel build '" + b.name() + "' boots",
                                "add `kernel: <uname -r>`");
                    }
                    release = found.get(0);
                }
                out.add(new Build(out.size(), b.name(), release, Build.Kind.REPOSITORY, List.of(), b.packages()));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new ConfigurationException("cannot list " + dir + ": " + e.getMessage(), "check its permissions");
        }
    }

    private static String names(List<Path> ps) {
        return ps.stream().map(p -> p.getFileName().toString()).limit(5).toList().toString();
    }

    private static String stripExtension(String n) {
        return n.replaceFirst("(_[^_]+_[^_]+)?\\.(deb|rpm|tar|tar\\.gz|tgz|tar\\.xz|txz|tar\\.zst)$", "");
    }

    /** Orders names as versions: digit runs compare as numbers ("-9" before "-10"). */
    enum VersionOrder implements Comparator<String> {
        INSTANCE;

        @Override
        public int compare(String a, String b) {
            int i = 0;
            int j = 0;
            while (i < a.length() && j < b.length()) {
                char ca = a.charAt(i);
                char cb = b.charAt(j);
                if (Character.isDigit(ca) && Character.isDigit(cb)) {
                    int si = i;
                    int sj = j;
                    while (i < a.length() && Character.isDigit(a.charAt(i))) {
                        i++;
                    }
                    while (j < b.length() && Character.isDigit(b.charAt(j))) {
                        j++;
                    }
                    int c = new java.math.BigInteger(a.substring(si, i)).compareTo(new java.math.BigInteger(b.substring(sj, j)));
                    if (c != 0) {
                        return c;
                    }
                } else {
                    if (ca != cb) {
                        return Character.compare(ca, cb);
                    }
                    i++;
                    j++;
                }
            }
            return Integer.compare(a.length() - i, b.length() - j);
        }
    }
}
