package io.kdumplab.harness.nightly;

import io.kdumplab.harness.failure.ConfigurationException;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

@Test(groups = "unit")
public class PlanLoaderTest {
    static Path write(String name, String text) throws Exception {
        Path dir = Files.createTempDirectory("plan");
        Files.writeString(dir.resolve("inv.yaml"), "hosts:\n  - {name: r740-03, lab: default, tags: [dell, x86]}\n"
                + "  - {name: sr650-11, lab: default, tags: [lenovo, x86]}\n  - {name: r750-01, lab: default, tags: [dell]}\n");
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    public void aPlanExpandsIntoCellsKernelMajorPerHost() throws Exception {
        NightlyPlan p = PlanLoader.load(write("n.yaml", """
                name: partner
                inventory: inv.yaml
                budget: 8h
                repeats: 2
                hosts: [r740-03, {name: sr650-11, lab: site-b}]
                kernels:
                  - release: 6.1.0-56-amd64
                  - {name: rt, release: 6.1.0-56-rt-amd64}
                scenarios: [seed, sysrq-c]
                """));
        assertEquals(p.budget().toHours(), 8);
        assertEquals(p.cells().size(), 2 * 2 * 2 * 2);
        assertEquals(p.labs(), java.util.List.of("default", "site-b"));
        NightlyPlan.Cell first = p.cells().get(0);
        assertEquals(first.key(), "r740-03|6.1.0-56-amd64|seed|1");
        assertEquals(p.cells().get(4).kernel(), "rt", "all of one kernel's cells before the next kernel's: one boot per kernel");
    }

    @Test
    public void everyProblemIsReportedAtOnceWithItsLineAndColumn() throws Exception {
        Path f = write("bad.yaml", """
                name: partner
                inventory: inv.yaml
                hosts: [r740-03, r999-01]
                kernels:
                  - release: 6.1.0-56-amd64
                  - series: no-such-dir
                scenarios: [seed, nmi-storm]
                colour: blue
                """);
        ConfigurationException e = expectThrows(ConfigurationException.class, () -> PlanLoader.load(f));
        String m = e.getMessage();
        assertTrue(m.contains("4 problem(s)"), m);
        assertTrue(m.contains(f + ":3:18: unknown host 'r999-01' (hosts in "), m);
        assertTrue(m.contains(f + ":6:13: ") && m.contains("no-such-dir"), m);
        assertTrue(m.contains(f + ":7:19: unknown scenario 'nmi-storm'"), m);
        assertTrue(m.contains(f + ":8:9: unknown field 'colour'"), m);
    }

    @Test
    public void withoutAnInventoryTheOnlyHostIsTheVirtualLab() throws Exception {
        Path f = write("v.yaml", "hosts: [virtual-lab, other]\nkernels: [6.1.0-56-rt-amd64]\n");
        ConfigurationException e = expectThrows(ConfigurationException.class, () -> PlanLoader.load(f));
        assertTrue(e.getMessage().contains("unknown host 'other' (without 'inventory:' the only host is virtual-lab)"), e.getMessage());
    }

    @Test
    public void aSeriesMayHoldOneBuildAndItsNewestBuildIsTonights() throws Exception {
        Path f = write("s.yaml", "inventory: inv.yaml\nhosts: [r740-03]\nkernels:\n  - {name: nightly, series: builds}\n");
        Path builds = f.getParent().resolve("builds");
        Files.createDirectories(builds.resolve("01"));
        Files.createFile(builds.resolve("01/linux-image-6.1.0-9-amd64_6.1.1-1_amd64.deb"));
        NightlyPlan one = PlanLoader.load(f);
        assertEquals(LabCells.buildOf(one.kernel("nightly")), "6.1.0-9-amd64");
        Files.createDirectories(builds.resolve("02"));
        Files.createFile(builds.resolve("02/linux-image-6.1.0-10-amd64_6.1.2-1_amd64.deb"));
        assertEquals(LabCells.buildOf(PlanLoader.load(f).kernel("nightly")), "6.1.0-10-amd64", "a newer build arrived");
    }

    @Test
    public void aTagNamesAHostGroupInInventoryOrderAndAnUnknownTagListsTheKnownOnes() throws Exception {
        NightlyPlan p = PlanLoader.load(write("t.yaml", """
                inventory: inv.yaml
                hosts: [sr650-11, {tag: x86}, {tag: dell}]
                kernels: [6.1.0-56-amd64]
                hang_after: 20s
                """));
        assertEquals(p.hosts().stream().map(NightlyPlan.Host::name).toList(), java.util.List.of("sr650-11", "r740-03", "r750-01"),
                "named first, then the tag's hosts not already in the plan, in inventory order");
        assertEquals(p.hangAfter().toSeconds(), 20);
        Path bad = write("u.yaml", "inventory: inv.yaml\nhosts: [{tag: hpe}, {tag: dell, lab: site-b}, r740-03]\nkernels: [6.1.0-56-amd64]\nhang_after: soon\n");
        ConfigurationException e = expectThrows(ConfigurationException.class, () -> PlanLoader.load(bad));
        assertTrue(e.getMessage().contains(bad + ":2:15: no host has tag 'hpe' (tags in ") && e.getMessage().contains("dell, lenovo, x86"),
                e.getMessage());
        assertTrue(e.getMessage().contains("host 'r740-03' is listed twice"), "a host in two groups with two labs: " + e.getMessage());
        assertTrue(e.getMessage().contains(bad + ":4:13: hang_after 'soon' is not a duration"), e.getMessage());
    }

    @Test
    public void columnsThatInstallABuildRunFirstSoThatInstalledReleasesCanBeChainedAfterThem() throws Exception {
        Path f = write("o.yaml", "inventory: inv.yaml\nhosts: [r740-03]\nkernels:\n  - {name: rt, release: 6.1.0-56-rt-amd64}\n"
                + "  - {name: nightly, series: builds}\n");
        Files.createDirectories(f.getParent().resolve("builds/01"));
        Files.createFile(f.getParent().resolve("builds/01/linux-image-6.1.0-9-amd64_6.1.1-1_amd64.deb"));
        NightlyPlan p = PlanLoader.load(f);
        assertEquals(p.cells().stream().map(NightlyPlan.Cell::kernel).toList(), java.util.List.of("nightly", "rt"));
        assertEquals(p.hangAfter().toSeconds(), 60, "the default hang threshold, as repro's");
    }
}
