package io.kdumplab.harness.builds;

import io.kdumplab.harness.failure.ConfigurationException;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

@Test(groups = "unit")
public class BuildListTest {
    private static Path touch(Path p) throws Exception {
        Files.createDirectories(p.getParent());
        Files.writeString(p, "x");
        return p;
    }

    @Test
    public void subdirectoriesAreBuildsInVersionOrderWithTheKernelFromTheImagePackage() throws Exception {
        Path d = Files.createTempDirectory("builds");
        for (int n : new int[] {10, 9, 11}) {
            touch(d.resolve("6.1.0-" + n).resolve("linux-image-6.1.0-" + n + "-amd64_6.1.1" + n + "-1_amd64.deb"));
            touch(d.resolve("6.1.0-" + n).resolve("linux-headers-6.1.0-" + n + "-amd64_6.1.1" + n + "-1_amd64.deb"));
        }
        touch(d.resolve("6.1.0-11").resolve("kdump-harness-wedge-6.1.0-11-amd64_1.0_all.deb"));
        BuildList l = BuildList.load(d);
        assertEquals(l.builds().stream().map(Build::name).toList(), List.of("6.1.0-9", "6.1.0-10", "6.1.0-11"));
        assertEquals(l.get(0).kernelRelease(), "6.1.0-9-amd64");
        assertEquals(l.get(2).artifacts().size(), 3);
        assertEquals(l.get(2).kind(), Build.Kind.DEB);
        assertEquals(l.indexOf("6.1.0-10-amd64", "--good"), 1, "builds are found by kernel release too");
    }

    @Test
    public void looseKernelPackagesAreOneBuildEach() throws Exception {
        Path d = Files.createTempDirectory("rpms");
        touch(d.resolve("kernel-core-5.14.0-285.el9.x86_64.rpm"));
        touch(d.resolve("kernel-core-5.14.0-70.el9.x86_64.rpm"));
        touch(d.resolve("kernel-core-5.14.0-162.el9.x86_64.rpm"));
        BuildList l = BuildList.load(d);
        assertEquals(l.get(0).kernelRelease(), "5.14.0-70.el9.x86_64");
        assertEquals(l.get(2).kernelRelease(), "5.14.0-285.el9.x86_64");
        assertEquals(l.get(1).kind(), Build.Kind.RPM);
    }

    @Test
    public void suseKernelPackagesNameTheReleaseTheyBootWithoutTheRebuildCounter() throws Exception {
        Path d = Files.createTempDirectory("suse-rpms");
        touch(d.resolve("kernel-default-6.4.0-150600.23.25.1.x86_64.rpm"));
        touch(d.resolve("kernel-default-6.4.0-150600.23.7.3.x86_64.rpm"));
        touch(d.resolve("kernel-default-6.4.0-150600.23.14.2.x86_64.rpm"));
        BuildList l = BuildList.load(d);
        assertEquals(l.get(0).kernelRelease(), "6.4.0-150600.23.7-default");
        assertEquals(l.get(2).kernelRelease(), "6.4.0-150600.23.25-default");
        assertEquals(l.get(1).kind(), Build.Kind.RPM);
        assertEquals(BuildList.kernelReleaseOfFile(Path.of("kernel-rt-6.4.0-150600.10.5.1.x86_64.rpm")).orElseThrow(),
                "6.4.0-150600.10.5-rt");
        assertTrue(BuildList.kernelReleaseOfFile(Path.of("kernel-default-devel-6.4.0-150600.23.25.1.noarch.rpm")).isEmpty());
    }

    @Test
    public void manifestErrorsNameTheFileAndLine() throws Exception {
        Path d = Files.createTempDirectory("manifest");
        touch(d.resolve("a/linux-image-6.1.0-1-amd64_1_amd64.deb"));
        Path m = d.resolve("builds.yaml");
        Files.writeString(m, String.join("\n",
                "builds:",
                "  - name: one",
                "    artifacts: [a/linux-image-6.1.0-1-amd64_1_amd64.deb]",
                "  - name: two",
                "    artifacts: [b/linux-image-6.1.0-2-amd64_1_amd64.deb]",
                "  - name: three",
                "    packages: [linux-image-6.1.0-3-amd64]", ""));
        ConfigurationException e = expectThrows(ConfigurationException.class, () -> BuildList.load(m));
        assertTrue(e.getMessage().contains("builds.yaml:5:") && e.getMessage().contains("missing or unreadable"), e.getMessage());

        Files.writeString(m, "builds:\n  - name: one\n    artefacts: [x]\n");
        e = expectThrows(ConfigurationException.class, () -> BuildList.load(m));
        assertTrue(e.getMessage().contains("builds.yaml:3:") && e.getMessage().contains("unknown field 'artefacts'"), e.getMessage());
    }

    @Test
    public void manifestWithRepositoryPackagesAndAFingerprintThatSeesChanges() throws Exception {
        Path m = Files.createTempFile("builds", ".yaml");
        Files.writeString(m, "builds:\n"
                + "  - {name: a, packages: [linux-image-6.1.0-54-amd64, linux-headers-6.1.0-54-amd64]}\n"
                + "  - {name: b, packages: [linux-image-6.1.0-55-amd64]}\n"
                + "  - {name: c, kernel: 6.1.0-56-amd64, packages: [linux-image-amd64]}\n");
        BuildList l = BuildList.load(m);
        assertEquals(l.get(0).kernelRelease(), "6.1.0-54-amd64");
        assertEquals(l.get(2).kernelRelease(), "6.1.0-56-amd64");
        assertEquals(l.get(1).kind(), Build.Kind.REPOSITORY);
        String before = l.fingerprint();
        Files.writeString(m, Files.readString(m).replace("name: b", "name: bb"));
        assertNotEquals(BuildList.load(m).fingerprint(), before);
    }

    @Test
    public void badInputIsRefusedBeforeAnyRun() throws Exception {
        Path d = Files.createTempDirectory("bad");
        expectThrows(ConfigurationException.class, () -> BuildList.load(d.resolve("nope")));
        touch(d.resolve("x/linux-image-6.1.0-1-amd64_1_amd64.deb"));
        touch(d.resolve("y/linux-image-6.1.0-2-amd64_1_amd64.deb"));
        ConfigurationException few = expectThrows(ConfigurationException.class, () -> BuildList.load(d));
        assertTrue(few.getMessage().contains("holds 2 build(s)"), few.getMessage());
        touch(d.resolve("z/notes.txt"));
        ConfigurationException odd = expectThrows(ConfigurationException.class, () -> BuildList.load(d));
        assertTrue(odd.getMessage().contains("notes.txt is not a .deb"), odd.getMessage());
        Files.delete(d.resolve("z/notes.txt"));
        touch(d.resolve("z/linux-headers-6.1.0-3-amd64_1_amd64.deb"));
        ConfigurationException noKernel = expectThrows(ConfigurationException.class, () -> BuildList.load(d));
        assertTrue(noKernel.getMessage().contains("cannot tell which kernel build 'z' boots"), noKernel.getMessage());
        touch(d.resolve("z/linux-image-6.1.0-3-amd64_1_amd64.deb"));
        BuildList ok = BuildList.load(d);
        ConfigurationException order = expectThrows(ConfigurationException.class, () -> ok.slice(2, 0));
        assertTrue(order.getMessage().contains("does not come before"), order.getMessage());
        expectThrows(ConfigurationException.class, () -> ok.slice(0, 1));
    }

    @Test
    public void tarballBuildsNameTheirKernelAndMayHoldOnlyKernelTrees() throws Exception {
        Path d = Files.createTempDirectory("tars");
        for (String rel : new String[] {"6.7.0-rc1", "6.7.0-rc2", "6.7.0-rc3"}) {
            Path tree = Files.createTempDirectory("tree");
            touch(tree.resolve("boot/vmlinuz-" + rel));
            touch(tree.resolve("lib/modules/" + rel + "/modules.dep"));
            Files.createDirectories(d.resolve(rel));
            Process p = new ProcessBuilder("tar", "-czf", d.resolve(rel).resolve("kernel.tar.gz").toString(), "-C", tree.toString(),
                    "boot", "lib").start();
            assertEquals(p.waitFor(), 0);
        }
        BuildList l = BuildList.load(d);
        assertEquals(l.get(1).kernelRelease(), "6.7.0-rc2");
        assertEquals(l.get(1).kind(), Build.Kind.TARBALL);

        Path tree = Files.createTempDirectory("evil");
        touch(tree.resolve("boot/vmlinuz-6.7.0-rc3"));
        touch(tree.resolve("etc/passwd"));
        Path evil = d.resolve("6.7.0-rc3").resolve("kernel.tar.gz");
        assertEquals(new ProcessBuilder("tar", "-czf", evil.toString(), "-C", tree.toString(), "boot", "etc").start().waitFor(), 0);
        ConfigurationException e = expectThrows(ConfigurationException.class, () -> BuildList.load(d));
        assertTrue(e.getMessage().contains("holds etc/") && e.getMessage().contains("outside boot/"), e.getMessage());
    }
}
