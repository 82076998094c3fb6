package io.kdumplab.harness.device.boot;

import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.Fence;
import io.kdumplab.harness.failure.CancelledException;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.support.FakeDevice;
import io.kdumplab.harness.wait.Deadline;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

/**
 * Provisioning over the fake device: a Debian host with GRUB whose reboots boot the armed one-time entry (or the
 * default), a kernel that does not come back until a power cycle, root and sudo logins, and a fence that refuses.
 */
@Test(groups = "unit")
public class ProvisionerTest {
    private static final String OLD = "6.1.0-40-amd64";
    private static final String NEW = "6.1.0-41-amd64";
    private static final Duration BOOT = Duration.ofSeconds(3);

    private FakeDevice fake;
    private volatile String running;
    private volatile String nextEntry;
    private volatile boolean newKernelHangs;
    private final AtomicInteger boots = new AtomicInteger(1);
    private final List<String> logged = new ArrayList<>();

    private static String grubCfg() {
        StringBuilder cfg = new StringBuilder("submenu 'Advanced options' $menuentry_id_option 'gnulinux-advanced-u' {\n");
        for (String k : List.of(NEW, OLD)) {
            cfg.append("\tmenuentry 'Debian GNU/Linux, with Linux ").append(k).append("' $menuentry_id_option 'gnulinux-")
                    .append(k).append("-advanced-u' {\n\t}\n");
        }
        return cfg.append("}\n").toString();
    }

    @BeforeMethod
    public void host() {
        fake = new FakeDevice();
        running = OLD;
        nextEntry = null;
        newKernelHangs = false;
        logged.clear();
        boots.set(1);
        fake.answers.put("uname -r", c -> FakeDevice.ok(c, running));
        fake.answers.put("os-release", c -> FakeDevice.ok(c, "debian"));
        fake.answers.put("ls -1 /boot/vmlinuz-*", c -> FakeDevice.ok(c, OLD + "\n" + NEW));
        fake.answers.put("cat /boot/grub/grub.cfg", c -> FakeDevice.ok(c, grubCfg()));
        fake.answers.put("grub-reboot", c -> {
            Matcher m = Pattern.compile("grub-reboot '[^>]*>gnulinux-(\\S+)-advanced-u'").matcher(c);
            assertTrue(m.find(), c);
            nextEntry = m.group(1);
            return FakeDevice.ok(c, "");
        });
        fake.onDisconnect = c -> {
            if (!c.contains("systemctl reboot")) {
                return;
            }
            String booting = nextEntry != null ? nextEntry : OLD; // grub-reboot is consumed by the boot it selects
            nextEntry = null;
            if (booting.equals(NEW) && newKernelHangs) {
                fake.hostDown = true;
                return;
            }
            running = booting;
            fake.bootId = "boot-" + boots.incrementAndGet();
        };
        fake.onPowerCycle = () -> {
            fake.hostDown = false;
            running = OLD; // the one-time entry was consumed by the hung boot: the default boots
            fake.bootId = "boot-" + boots.incrementAndGet();
        };
    }

    private Device open(Fence fence) {
        Device d = fake.device("h1");
        d.openShell(Deadline.in("fake SSH", Duration.ofSeconds(5)));
        return d;
    }

    private Provisioner provisioner(Device d, Fence fence) {
        return new Provisioner(d, fence, logged::add);
    }

    @Test
    public void bootsAKernelOnceAndKeepsTheDefault() {
        try (Device d = open(Fence.NONE)) {
            Provisioner p = provisioner(d, Fence.NONE);
            assertEquals(p.family(), io.kdumplab.harness.device.Distro.Family.DEBIAN);
            assertEquals(p.installed(), List.of(OLD, NEW));
            assertEquals(p.ensureRunning(NEW, BOOT), "booted " + NEW + " once");
            assertEquals(running, NEW);
            assertEquals(fake.bootId, "boot-2", "one reboot");
            assertTrue(fake.commands.stream().noneMatch(c -> c.contains("grub-set-default")), "the default entry stays");
            assertEquals(p.ensureRunning(NEW, BOOT), "already running " + NEW);
            assertEquals(fake.bootId, "boot-2", "no second reboot when already running it");
        }
    }

    @Test
    public void aKernelThatDoesNotComeBackIsPowerCycledOntoTheDefault() {
        newKernelHangs = true;
        try (Device d = open(Fence.NONE)) {
            Provisioner p = provisioner(d, Fence.NONE);
            assertFalse(p.bootOnce(NEW, BOOT));
            assertEquals(fake.powerCycles.size(), 1);
            assertEquals(running, OLD);
            assertEquals(p.running(), OLD, "the shell was reconnected after the power cycle");
            assertTrue(logged.stream().anyMatch(l -> l.contains("power-cycling through the BMC")), logged.toString());
        }
        try (Device d = open(Fence.NONE)) {
            InfrastructureException e = expectThrows(InfrastructureException.class,
                    () -> provisioner(d, Fence.NONE).ensureRunning(NEW, BOOT));
            assertTrue(e.getMessage().contains(NEW + " did not boot to SSH"), e.getMessage());
        }
    }

    @Test
    public void aKernelTheHostDoesNotHaveIsAnInputErrorNamingTheOnesItHas() {
        try (Device d = open(Fence.NONE)) {
            ConfigurationException e = expectThrows(ConfigurationException.class,
                    () -> provisioner(d, Fence.NONE).ensureRunning("6.1.0-99-amd64", BOOT));
            assertTrue(e.getMessage().contains("6.1.0-99-amd64 is not installed on h1"), e.getMessage());
            assertTrue(e.hint().contains(OLD + ", " + NEW), e.hint());
        }
    }

    @Test
    public void installsAsRootOrThroughSudoUploadingOnlyWhatIsMissing() throws Exception {
        Path deb = Files.createTempFile("linux-image", ".deb");
        Files.writeString(deb, "a package");
        record Pkg(String name, String kernelRelease, KernelPackage.Kind kind, List<Path> artifacts, List<String> packages)
                implements KernelPackage {}
        KernelPackage build = new Pkg("b41", NEW, KernelPackage.Kind.DEB, List.of(deb), List.of());
        try (Device d = open(Fence.NONE)) {
            provisioner(d, Fence.NONE).install(build, Duration.ofSeconds(30));
        }
        assertTrue(fake.commands.stream().anyMatch(c -> c.startsWith("DEBIAN_FRONTEND=noninteractive apt-get install")), fake.commands.toString());
        assertTrue(fake.commands.stream().anyMatch(c -> c.startsWith("upload /var/tmp/kdump-harness/builds/b41/")));

        host();
        fake.answers.put("id -u", c -> FakeDevice.ok(c, "1000"));
        fake.answers.put("sha256sum", c -> FakeDevice.ok(c, io.kdumplab.harness.util.Hashing.sha256Hex(deb)));
        try (Device d = open(Fence.NONE)) {
            provisioner(d, Fence.NONE).install(build, Duration.ofSeconds(30));
        }
        assertTrue(fake.commands.contains("sudo -n true"));
        assertTrue(fake.commands.stream().anyMatch(c -> c.startsWith("sudo -n sh -c 'mkdir -p /var/tmp/kdump-harness/builds/b41 && chown 1000 ")),
                fake.commands.toString());
        assertTrue(fake.commands.stream().anyMatch(c -> c.startsWith("sudo -n sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install")),
                fake.commands.toString());
        assertTrue(fake.commands.stream().noneMatch(c -> c.startsWith("upload ")), "the same file is not uploaded twice");
    }

    @Test
    public void aFailingInstallIsTheBuildsFault() {
        fake.answers.put("apt-get install", c -> new io.kdumplab.harness.device.CommandResult(c, 100, "E: broken package", ""));
        record Pkg(String name, String kernelRelease, KernelPackage.Kind kind, List<Path> artifacts, List<String> packages)
                implements KernelPackage {}
        try (Device d = open(Fence.NONE)) {
            BuildProblem e = expectThrows(BuildProblem.class, () -> provisioner(d, Fence.NONE)
                    .install(new Pkg("b41", NEW, KernelPackage.Kind.REPOSITORY, List.of(), List.of("linux-image-" + NEW)),
                            Duration.ofSeconds(30)));
            assertTrue(e.getMessage().contains("failed (exit 100): E: broken package"), e.getMessage());
        }
    }

    @Test
    public void theFenceRefusesEveryChangeBeforeItIsMade() {
        Fence lost = new Fence() {
            @Override
            public void check(String action) {
                throw new CancelledException("the lease was lost before " + action);
            }

            @Override
            public void beforeRecovery(String action, Duration outage) {
                check(action);
            }
        };
        record Pkg(String name, String kernelRelease, KernelPackage.Kind kind, List<Path> artifacts, List<String> packages)
                implements KernelPackage {}
        try (Device d = open(lost)) {
            Provisioner p = provisioner(d, lost);
            BootEntries.Original original = p.captureBoot(); // read-only: allowed
            int before = fake.commands.size();
            assertThrows(CancelledException.class, () -> p.install(new Pkg("b", NEW, KernelPackage.Kind.REPOSITORY,
                    List.of(), List.of("x")), Duration.ofSeconds(5)));
            assertThrows(CancelledException.class, () -> p.makeDefault(NEW));
            assertThrows(CancelledException.class, () -> p.bootOnce(NEW, BOOT));
            assertThrows(CancelledException.class, () -> p.reboot(BOOT));
            assertThrows(CancelledException.class, () -> p.powerCycle(BOOT));
            assertThrows(CancelledException.class, () -> p.clearBootOnce());
            assertThrows(CancelledException.class, () -> p.restoreBoot(original));
            assertEquals(fake.commands.subList(before, fake.commands.size()), List.of(), "nothing was sent to the host");
            assertEquals(fake.powerCycles.size(), 0);
        }
    }

    @Test
    public void theNextBootCommandIsResolvedNowAndEmptyForAKernelTheHostLacks() {
        try (Device d = open(Fence.NONE)) {
            Provisioner p = provisioner(d, Fence.NONE);
            String cmd = p.bootOnceCommand(NEW).orElseThrow();
            assertTrue(cmd.startsWith("grub-reboot 'gnulinux-advanced-u>gnulinux-" + NEW + "-advanced-u'"), cmd);
            assertTrue(p.bootOnceCommand("6.1.0-99-amd64").isEmpty());
            assertEquals(nextEntry, null, "resolving changes nothing");
        }
    }

    private static <T extends Throwable> T expectThrows(Class<T> type, org.testng.Assert.ThrowingRunnable r) {
        return org.testng.Assert.expectThrows(type, r);
    }
}
