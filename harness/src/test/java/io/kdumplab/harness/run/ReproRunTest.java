package io.kdumplab.harness.run;

import io.kdumplab.harness.verdict.Verdict;

import io.kdumplab.harness.device.CommandResult;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.target.BmcEndpoint;
import io.kdumplab.harness.target.ConsoleEndpoint;
import io.kdumplab.harness.target.SshEndpoint;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.support.FakeDevice;
import io.kdumplab.harness.util.Secret;
import io.kdumplab.harness.wait.Clock;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

/** The run core end to end against a scripted device: steps, verdicts, restore after every kind of failure. No lab. */
@Test(groups = "unit")
public class ReproRunTest {
    /** Real time plus whatever the run slept: sleeps return at once. */
    static final class FastClock implements Clock {
        private volatile long skipped;

        @Override
        public long nanoTime() {
            return System.nanoTime() + skipped;
        }

        @Override
        public void sleep(long millis) throws InterruptedException {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            skipped += millis * 1_000_000L;
            Thread.sleep(1);
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis() + skipped / 1_000_000L;
        }
    }

    static TargetHost host() throws Exception {
        Path key = Files.createTempFile("key", "");
        Path pw = Files.createTempFile("pw", "");
        Files.writeString(pw, "secret\n");
        Files.setPosixFilePermissions(pw, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return new TargetHost("fake-host", new SshEndpoint("fake", 22, "root", key, "SHA256:x", null),
                new BmcEndpoint("fake-bmc", 623, "admin", Secret.fromFile(pw)),
                new ConsoleEndpoint(ConsoleEndpoint.Type.TCP, null, 115200, "fake", 7000), "debian",
                TargetHost.SEED_CRASHKERNEL, "/var/crash", null, null, null);
    }

    /** A host that behaves: kdump ready, the NMI starts the capture kernel, the dump is saved and readable. */
    static FakeDevice healthyHost() {
        FakeDevice f = new FakeDevice();
        Map<String, String> sysctl = new ConcurrentHashMap<>(Map.of("kernel.unknown_nmi_panic", "0",
                "kernel.panic_on_unrecovered_nmi", "0", "kernel.panic_on_io_nmi", "0"));
        f.answers.put("uname -r", c -> FakeDevice.ok(c, "6.1.0-56-amd64"));
        f.answers.put("cat /proc/cmdline", c -> FakeDevice.ok(c, "root=/dev/sda1 console=ttyS0,115200 crashkernel=192M"));
        f.answers.put("kexec_crash_loaded", c -> FakeDevice.ok(c, "1"));
        f.answers.put("kexec_crash_size", c -> FakeDevice.ok(c, "201326592"));
        f.answers.put("sysctl -n ", c -> FakeDevice.ok(c, sysctl.get(c.substring(c.indexOf("-n ") + 3).strip())));
        f.answers.put("sysctl -qw ", c -> {
            String kv = c.replaceAll(".*sysctl -qw (\\S+).*", "$1").replace("'", "");
            sysctl.put(kv.split("=")[0], kv.split("=")[1]);
            return FakeDevice.ok(c, "");
        });
        f.answers.put("insmod", c -> {
            f.console.add("printk_spammer: t=0 seq=1 xxxxxxxx");
            return FakeDevice.ok(c, "");
        });
        f.answers.put("date +%s", c -> FakeDevice.ok(c, "1000"));
        f.answers.put("stat -c", c -> FakeDevice.ok(c, "DUMP 1001 27000000 /var/crash/202611271200/dump.202611271200"));
        f.answers.put("makedumpfile",
                c -> FakeDevice.ok(c, "[ 1.0] Kernel panic - not syncing: NMI: Not continuing\n"));
        f.onNmi = () -> {
            f.console.add("Uhhuh. NMI received for unknown reason 3c on CPU 0.");
            f.console.add("Command line: console=ttyS0 elfcorehdr=0x1000 irqpoll");
            f.console.add("kdump-tools: saved vmcore in /var/crash/202611271200");
            f.bootId = "boot-2";
        };
        return f;
    }

    /** A host whose panic path hangs after the NMI (no capture kernel, SSH gone) and comes back after a power cycle. */
    static FakeDevice hangingHost() {
        FakeDevice f = healthyHost();
        f.onNmi = () -> f.hostDown = true;
        f.onPowerCycle = () -> {
            f.bootId = "boot-3";
            f.hostDown = false;
        };
        f.answers.put("stat -c", c -> FakeDevice.ok(c, ""));
        return f;
    }

    /** A run on a host whose inventory entry names no distro: the device detects it from os-release. */
    static RunResult runWithoutDeclaredDistro(FakeDevice f, String dumpDir) throws Exception {
        TargetHost h = host();
        TargetHost undeclared = new TargetHost(h.name(), h.ssh(), h.bmc(), h.console(), null, h.crashkernel(), dumpDir,
                null, null, null);
        return new ReproRun(undeclared, Scenario.seed(), new ReproRun.Options(true, Duration.ofSeconds(2), m -> { }),
                Files.createTempDirectory("runs"), f.device("fake-host"), new FastClock()).execute();
    }

    static RunResult run(FakeDevice f, boolean configure) throws Exception {
        Path reports = Files.createTempDirectory("runs");
        ReproRun run = new ReproRun(host(), Scenario.seed(), new ReproRun.Options(configure, Duration.ofSeconds(2), m -> { }),
                reports, f.device("fake-host"), new FastClock());
        RunResult r = run.execute();
        RunResult onDisk = RunResult.read(run.dir().resolve("result.json"));
        assertEquals(onDisk.verdict, r.verdict, "result.json is the run's result");
        return r;
    }

    @Test
    public void healthyHostPassesThroughEveryStepInOrder() throws Exception {
        FakeDevice f = healthyHost();
        RunResult r = run(f, true);
        assertEquals(r.verdict, Verdict.PASS, r.reason);
        assertEquals(r.steps.stream().map(s -> s.name).toList(),
                List.of("preflight", "kdump-readiness", "sysctls", "spammer", "trigger", "outcome", "evidence", "restore"));
        assertTrue(r.steps.stream().allMatch(s -> "ok".equals(s.status) && s.durationMillis != null), "all ok");
        assertEquals(f.nmis.size(), 1);
        assertEquals(r.target.crashKernelReservedBytes, Long.valueOf(201326592L));
        assertEquals(r.target.captureKernelCmdline, "console=ttyS0 elfcorehdr=0x1000 irqpoll");
        assertEquals(r.evidence.panicMessage, "Kernel panic - not syncing: NMI: Not continuing");
        assertTrue(r.hostBackInService);
        assertTrue(f.commands.stream().anyMatch(c -> c.contains("rmmod $m")), "spammer unloaded");
        assertEquals(r.modules.size(), 1);
    }

    @Test
    public void anArchHostIsRefusedAtPreflightNamingWhatWasDetectedAndNothingIsTouched() throws Exception {
        FakeDevice f = healthyHost();
        f.osRelease = "arch";
        RunResult r = runWithoutDeclaredDistro(f, host().dumpDir());
        assertEquals(r.verdict, Verdict.CONFIG_ERROR, r.reason);
        assertTrue(r.reason.contains("unsupported distribution family 'arch' (ID=arch)"), r.reason);
        assertEquals(f.nmis.size(), 0);
        assertTrue(f.commands.stream().noneMatch(c -> c.contains("sysctl -qw") || c.contains("insmod") || c.contains("grub")),
                "nothing changed on the host: " + f.commands);
    }

    /** A SLES host (detected from os-release): SUSE's kdump configuration is read, its time-named dump directory found. */
    @Test
    public void aSlesHostIsRunWithSusesKdumpAndItsDumpIsFoundWhereKdumptoolSavesIt() throws Exception {
        FakeDevice f = healthyHost();
        f.osRelease = "sles suse";
        f.answers.put("/etc/sysconfig/kdump", c -> FakeDevice.ok(c, "savedir=file:///var/crash\nidentity="));
        f.answers.put("stat -c", c -> FakeDevice.ok(c, "DUMP 1001 27000000 /var/crash/2026-11-27-12:00/vmcore\n"
                + "DMESG 1001 9000 /var/crash/2026-11-27-12:00/dmesg.txt"));
        f.onNmi = () -> {
            f.console.add("Uhhuh. NMI received for unknown reason 3c on CPU 0.");
            f.console.add("Command line: console=ttyS0 elfcorehdr=0x1000 irqpoll");
            f.console.add("Saving dump using makedumpfile");
            f.console.add("Dump saving completed.");
            f.bootId = "boot-2";
        };
        RunResult r = runWithoutDeclaredDistro(f, null);
        assertEquals(r.verdict, Verdict.PASS, r.reason);
        assertTrue(r.reason.contains("/var/crash/2026-11-27-12:00/vmcore"), r.reason);
        assertEquals(r.target.dumpTarget, "local /var/crash (/etc/sysconfig/kdump KDUMP_SAVEDIR)");
        assertTrue(f.commands.stream().anyMatch(c -> c.contains("stat -c") && c.contains("*/vmcore") && c.contains("*/dmesg.txt")),
                f.commands.toString());
        assertTrue(f.commands.stream().noneMatch(c -> c.contains("kdump-config") || c.contains("update-grub")
                || c.contains("/etc/default/kdump-tools")), "no Debian tooling on SLES: " + f.commands);
    }

    /** A BMC that acknowledges the NMI and does nothing: the host's NMI count did not move, so it is the BMC's fault. */
    @Test
    public void anNmiThatNeverArrivedIsTheBmcsFaultNotAFail() throws Exception {
        FakeDevice f = healthyHost();
        f.onNmi = () -> { };
        f.answers.put("date +%s", c -> FakeDevice.ok(c, "1000\n7"));
        f.answers.put("stat -c", c -> FakeDevice.ok(c, ""));
        RunResult r = run(f, true);
        assertEquals(r.verdict, Verdict.INFRA_ERROR, r.reason);
        assertTrue(r.reason.contains("acknowledged the NMI, but the host never received one") && r.reason.contains("stayed at 7"),
                r.reason);

        FakeDevice g = healthyHost();
        g.onNmi = () -> { };
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        g.answers.put("date +%s", c -> FakeDevice.ok(c, "1000\n" + (7 + reads.getAndIncrement())));
        g.answers.put("stat -c", c -> FakeDevice.ok(c, ""));
        RunResult handled = run(g, true);
        assertEquals(handled.verdict, Verdict.FAIL, "the NMI arrived and the kernel did not panic: " + handled.reason);
        assertTrue(handled.reason.startsWith("no panic"), handled.reason);
    }

    @Test
    public void aCachedModuleIsNotRebuiltAndAMissingOneIsBuiltAndCached() throws Exception {
        FakeDevice cached = healthyHost();
        RunResult r = run(cached, true);
        assertTrue(r.modules.get(0).cached(), "test -s on the cache answered 0: taken from the cache");
        assertTrue(cached.commands.stream().noneMatch(c -> c.startsWith("make ")), "no build");

        FakeDevice fresh = healthyHost();
        fresh.answers.put("test -s /var/cache/kdump-harness/modules/", c -> new CommandResult(c, 1, "", ""));
        RunResult built = run(fresh, true);
        assertFalse(built.modules.get(0).cached());
        assertTrue(fresh.commands.stream().anyMatch(c -> c.startsWith("make -s -C /lib/modules/6.1.0-56-amd64/build")));
        String insmod = fresh.commands.stream().filter(c -> c.contains("insmod")).findFirst().orElseThrow();
        assertTrue(insmod.contains("/var/cache/kdump-harness/modules/printk_spammer/6.1.0-56-amd64-"), insmod);
        assertTrue(fresh.commands.stream().anyMatch(c -> c.contains("mv -f") && c.contains("printk_spammer.ko")),
                "moved into the cache atomically");
    }

    @Test
    public void noCaptureKernelAndSshGoneIsAHangRecoveredByPowerCycle() throws Exception {
        FakeDevice f = hangingHost();
        RunResult r = run(f, true);
        assertEquals(r.verdict, Verdict.FAIL, r.reason);
        assertTrue(r.reason.startsWith("hang"), r.reason);
        assertEquals(f.powerCycles.size(), 1);
        assertTrue(r.hostBackInService);
    }

    @Test
    public void aHangWhosePowerCycleBootsABrokenArmedKernelGetsASecondCycleOntoTheDefaultEntry() throws Exception {
        // nightly: the run armed the next cell's kernel; it does not come up; the second cycle boots the default
        FakeDevice f = healthyHost();
        f.onNmi = () -> f.hostDown = true;
        f.onPowerCycle = () -> {
            if (f.powerCycles.size() == 2) {
                f.bootId = "boot-3";
                f.hostDown = false;
            }
        };
        f.answers.put("stat -c", c -> FakeDevice.ok(c, ""));
        ReproRun run = new ReproRun(host(), Scenario.seed(), new ReproRun.Options(true, Duration.ofSeconds(2), m -> { })
                .withNextBoot(d -> {
                    d.root("grub-reboot 'next-cell'", Duration.ofSeconds(5));
                    return "armed";
                }), Files.createTempDirectory("runs"), f.device("fake-host"), new FastClock());
        RunResult r = run.execute();
        assertEquals(r.verdict, Verdict.FAIL, "the verdict is this run's, not an infrastructure error: " + r.reason);
        assertTrue(r.reason.startsWith("hang"), r.reason);
        assertEquals(f.powerCycles.size(), 2);
        assertTrue(f.commands.stream().anyMatch(c -> c.contains("grub-reboot 'next-cell'")), "armed before the trigger");

        FakeDevice unarmed = healthyHost();
        unarmed.onNmi = () -> unarmed.hostDown = true;
        unarmed.answers.put("stat -c", c -> FakeDevice.ok(c, ""));
        RunResult infra = run(unarmed, true);
        assertEquals(infra.verdict, Verdict.INFRA_ERROR, "nothing armed: one cycle, then the host is the problem");
        assertEquals(unarmed.powerCycles.size(), 1);
    }

    @Test
    public void theWedgeScenarioLoadsPanicWedgeBeforeTheFloodAndRestoreUnloadsIt() throws Exception {
        // repro --wedge: the lab's FAIL path; the module's real effect (a wedged panic path) is NightlyLabIT's hang
        FakeDevice f = hangingHost();
        ReproRun run = new ReproRun(host(), Scenario.seed().withWedge(100), new ReproRun.Options(true, Duration.ofSeconds(2), m -> { }),
                Files.createTempDirectory("runs"), f.device("fake-host"), new FastClock());
        RunResult r = run.execute();
        assertEquals(r.verdict, Verdict.FAIL, r.reason);
        assertTrue(r.reason.startsWith("hang"), r.reason);
        List<String> steps = r.steps.stream().map(x -> x.name).toList();
        assertTrue(steps.indexOf("panic-wedge") > 0 && steps.indexOf("panic-wedge") < steps.indexOf("spammer"), steps.toString());
        assertEquals(r.modules.stream().map(m -> m.module()).sorted().toList(), List.of("panic_wedge", "printk_spammer"));
        String insmod = f.commands.stream().filter(c -> c.contains("insmod") && c.contains("panic_wedge")).findFirst().orElseThrow();
        assertTrue(insmod.contains("100"), "the wedge's probability is passed: " + insmod);
        assertTrue(f.commands.stream().anyMatch(c -> c.contains("rmmod") && c.contains("panic_wedge")), "restore unloads it");
    }

    @Test
    public void sameBootAfterTheNmiIsNoPanic() throws Exception {
        FakeDevice f = healthyHost();
        f.onNmi = () -> { };
        f.answers.put("stat -c", c -> FakeDevice.ok(c, ""));
        RunResult r = run(f, true);
        assertEquals(r.verdict, Verdict.FAIL);
        assertTrue(r.reason.startsWith("no panic"), r.reason);
        assertTrue(f.powerCycles.isEmpty(), "no power cycle for a host that did not panic");
    }

    @Test
    public void aCaptureKernelStillLoadingAfterABootIsWaitedForNotJudgedNotReady() throws Exception {
        FakeDevice f = healthyHost();
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        // the kdump service loads the capture kernel on its third look (a host booted just now, e.g. by repro --kernel)
        f.answers.put("kexec_crash_loaded", c -> FakeDevice.ok(c, reads.incrementAndGet() >= 3 ? "1" : "0"));
        RunResult r = run(f, false);
        assertEquals(r.verdict, Verdict.PASS, r.reason);
        assertTrue(f.commands.stream().noneMatch(c -> c.contains("update-grub") || c.contains("grubby")), "--no-configure touched nothing");
    }

    @DataProvider
    public Object[][] failures() {
        return new Object[][] {
            // step, what breaks, expected verdict
            {"preflight", "uname -r", "INFRA_ERROR"},
            {"kdump-readiness", "kexec_crash_loaded", "KDUMP_NOT_READY"},
            {"sysctls", "sysctl -qw kernel.panic_on_unrecovered_nmi", "INFRA_ERROR"},
            {"spammer", "insmod", "INFRA_ERROR"},
            {"trigger", "date +%s", "INFRA_ERROR"},
            {"outcome", "(power cycle)", "INFRA_ERROR"},
            {"evidence", "makedumpfile", "INFRA_ERROR"},
        };
    }

    @Test(dataProvider = "failures")
    public void aFailureInEachStepIsClassedAndRestoreStillRuns(String step, String breaks, String verdict) throws Exception {
        FakeDevice f = healthyHost();
        switch (step) {
            case "kdump-readiness" -> f.answers.put(breaks, c -> FakeDevice.ok(c, "0"));
            case "outcome" -> {
                f.onNmi = () -> f.hostDown = true;
                f.onPowerCycle = () -> {
                    throw new InfrastructureException("bmc", "BMC fake: no answer", "");
                };
            }
            case "evidence" -> f.answers.put(breaks, c -> {
                throw new InfrastructureException("ssh", "connection lost", "");
            });
            default -> f.answers.put(breaks, c -> new CommandResult(c, 1, "", "refused"));
        }
        RunResult r = run(f, false);
        assertEquals(r.verdict, Verdict.valueOf(verdict), step + ": " + r.reason);
        assertEquals(r.failedStep, step, r.reason);
        assertNotNull(r.steps.stream().filter(s -> s.name.equals("restore")).findFirst().orElse(null), "restore ran");
        boolean spammerLoaded = List.of("trigger", "outcome", "evidence").contains(step) || step.equals("spammer");
        if (spammerLoaded && !step.equals("outcome")) {
            assertTrue(f.commands.stream().anyMatch(c -> c.contains("rmmod $m")), "spammer unloaded after a failure in " + step);
        }
        if (List.of("spammer", "trigger").contains(step)) {
            assertTrue(f.commands.stream().anyMatch(c -> c.contains("sysctl -qw kernel.unknown_nmi_panic=0")),
                    "sysctl restored after a failure in " + step);
        }
        if (!step.equals("outcome") && !step.equals("evidence")) {
            assertTrue(f.nmis.isEmpty(), "no NMI after a failure before the trigger");
        }
    }

    private static RunResult runOn(TargetHost h, FakeDevice f) throws Exception {
        return new ReproRun(h, Scenario.seed(), new ReproRun.Options(true, Duration.ofSeconds(2), m -> { }),
                Files.createTempDirectory("runs"), f.device("fake-host"), new FastClock()).execute();
    }

    @Test
    public void theInventorysDumpDirOverridesTheConfigurationAndTheDisagreementIsNoted() throws Exception {
        FakeDevice f = healthyHost();
        f.answers.put("stat -c", c -> FakeDevice.ok(c, c.contains("cd '/srv/dumps'")
                ? "DUMP 1001 27000000 /srv/dumps/202611271200/dump.202611271200" : ""));
        TargetHost h = host();
        RunResult r = runOn(new TargetHost(h.name(), h.ssh(), h.bmc(), h.console(), h.distro(), h.crashkernel(), "/srv/dumps",
                null, null, null), f);
        assertEquals(r.verdict, Verdict.PASS, r.reason);
        assertTrue(r.notes.stream().anyMatch(n -> n.contains("inventory dump_dir /srv/dumps overrides the host's configured "
                + "local /var/crash")), r.notes.toString());
        assertEquals(r.target.dumpDir, "/srv/dumps");
        assertEquals(r.evidence.vmcorePath, "/srv/dumps/202611271200/dump.202611271200");
    }

    @Test
    public void whatTheBmcLoggedFromTheTriggerOnIsInTheResultAndTheDiagnosis() throws Exception {
        FakeDevice f = hangingHost();
        f.eventLog = new java.util.concurrent.CopyOnWriteArrayList<>(List.of(new io.kdumplab.harness.device.BmcEvent(7,
                "2026-12-05T10:00:00Z", "PowerUnit #1", "power on, assertion")));
        Runnable hang = f.onNmi;
        f.onNmi = () -> {
            f.eventLog.add(new io.kdumplab.harness.device.BmcEvent(8, "2026-12-05T11:00:00Z", "CriticalInterrupt #1",
                    "FrontPanelNmi, assertion"));
            hang.run();
        };
        RunResult r = run(f, false);
        assertEquals(r.verdict, Verdict.FAIL, r.reason);
        assertEquals(r.bmcEvents.size(), 1, "only what was logged after the trigger: " + r.bmcEvents);
        assertEquals(r.bmcEvents.get(0).recordId(), 8);
        assertTrue(r.diagnosis.facts().get("bmcEvents").toString().contains("CriticalInterrupt #1: FrontPanelNmi, assertion"),
                r.diagnosis.facts().toString());
    }

    /** A host whose kdump-tools sends dumps to an NFS share the host mounts (mount point as the fake's mktemp). */
    private static FakeDevice nfsHost() {
        FakeDevice f = healthyHost();
        f.answers.put("kdump-tools 2>/dev/null", c -> FakeDevice.ok(c, "coredir=/var/crash\nssh=\nnfs=nfs.lab:/export/crash"));
        f.answers.put("mount.nfs", c -> FakeDevice.ok(c, "/sbin/mount.nfs"));
        f.answers.put("mount -t nfs -o rw,", c -> FakeDevice.ok(c,
                "mounted=yes\nexists=yes\nwritable=yes\nserver_now=1005\nhost_now=1000\nfree_kib=9000000"));
        f.answers.put("mount -t nfs -o ro,", c -> FakeDevice.ok(c, "/tmp/kdump-harness-nfs.Ab12\n"));
        f.answers.put("hostname; ip -o", c -> FakeDevice.ok(c, "fake-host\n10.0.2.15"));
        f.answers.put("stat -c", c -> FakeDevice.ok(c,
                "DUMP 1006 27000000 /tmp/kdump-harness-nfs.Ab12/10.0.2.15-202611271200/dump.202611271200"));
        return f;
    }

    @Test
    public void anNfsDumpIsReadThroughAReadOnlyMountOnTheHostAndNamedOnTheShare() throws Exception {
        FakeDevice f = nfsHost();
        RunResult r = run(f, true);
        assertEquals(r.verdict, Verdict.PASS, r.reason);
        assertEquals(r.evidence.vmcorePath, "nfs.lab:/export/crash/10.0.2.15-202611271200/dump.202611271200");
        assertEquals(r.evidence.foundOn, "nfs nfs.lab:/export/crash");
        // the listing looked in the directories named after the host, inside the mount, and the server's clock (5 s
        // ahead) moved the window: a file stamped 1006 by the server counts
        assertTrue(f.commands.stream().anyMatch(c -> c.startsWith("cd '/tmp/kdump-harness-nfs.Ab12'") && c.contains("10.0.2.15-*")),
                f.commands.toString());
        assertTrue(f.commands.stream().anyMatch(c -> c.startsWith("umount '/tmp/kdump-harness-nfs.Ab12'")), "unmounted after the look");
    }

    @Test
    public void anNfsShareRootCannotWriteToIsRefusedBeforeAnythingIsTouched() throws Exception {
        FakeDevice f = nfsHost();
        f.answers.put("mount -t nfs -o rw,", c -> FakeDevice.ok(c, "mounted=yes\nexists=yes\nwritable=no\nfree_kib=9000000"));
        RunResult r = run(f, true);
        assertEquals(r.verdict, Verdict.CONFIG_ERROR, r.reason);
        assertTrue(r.reason.contains("does not take a file from root on fake-host (a root-squashing export?)"), r.reason);
        assertTrue(f.commands.stream().noneMatch(c -> c.contains("sysctl -qw") || c.contains("insmod")), "nothing touched");
        FakeDevice g = nfsHost();
        g.answers.put("mount -t nfs -o rw,", c -> FakeDevice.ok(c, "mounted=no\nmount_error=mount.nfs: Connection refused"));
        RunResult s = run(g, true);
        assertEquals(s.verdict, Verdict.CONFIG_ERROR, s.reason);
        assertTrue(s.reason.contains("cannot mount its NFS dump target nfs.lab:/export/crash: mount.nfs: Connection refused"), s.reason);
    }

    @Test
    public void anNfsShareThatCannotBeMountedAfterTheCrashIsAnInfrastructureErrorNeverAFail() throws Exception {
        FakeDevice f = nfsHost();
        f.answers.put("mount -t nfs -o ro,", c -> new CommandResult(c, 32, "", "mount.nfs: Connection timed out"));
        RunResult r = run(f, true);
        assertEquals(r.verdict, Verdict.INFRA_ERROR, r.reason);
        assertTrue(r.reason.contains("cannot mount the NFS share nfs.lab:/export/crash"), r.reason);
        assertTrue(r.reason.contains("mount.nfs: Connection timed out"), r.reason);
    }

    @Test
    public void aDumpDeviceTargetIsRefusedBeforeAnythingIsTouched() throws Exception {
        FakeDevice f = healthyHost();
        f.osRelease = "rhel fedora";
        f.answers.put("cat /etc/kdump.conf", c -> FakeDevice.ok(c, "xfs UUID=0b1c-22\npath /crash\n"));
        RunResult r = run(f, true);
        assertEquals(r.verdict, Verdict.CONFIG_ERROR, r.reason);
        assertTrue(r.reason.contains("device xfs UUID=0b1c-22"), r.reason);
        assertTrue(f.commands.stream().noneMatch(c -> c.contains("sysctl -qw") || c.contains("insmod")), "nothing touched");
    }

    @Test
    public void aHostThatCannotLogInToItsDumpServerIsRefusedBeforeAnythingIsTouched() throws Exception {
        FakeDevice f = healthyHost();
        f.answers.put("kdump-tools 2>/dev/null", c -> FakeDevice.ok(c,
                "coredir=/srv/crash\nssh=kdump@dumpsrv.lab\nnfs=\nsshkey=/root/.ssh/kdump_id_rsa"));
        f.answers.put("-o BatchMode=yes", c -> new CommandResult(c, 255, "", "kdump@dumpsrv.lab: Permission denied (publickey)."));
        TargetHost h = host();
        Path key = Files.createTempFile("dump-key", "");
        RunResult r = runOn(new TargetHost(h.name(), h.ssh(), h.bmc(), h.console(), h.distro(), h.crashkernel(), null, null,
                null, null, new SshEndpoint("dumpsrv.lab", 22, "kdump", key, "SHA256:y", null)), f);
        assertEquals(r.verdict, Verdict.CONFIG_ERROR, r.reason);
        assertTrue(r.reason.contains("cannot log in to its dump server as kdump would (kdump@dumpsrv.lab "
                + "with /root/.ssh/kdump_id_rsa): kdump@dumpsrv.lab: Permission denied (publickey)."), r.reason);
        assertTrue(f.commands.stream().noneMatch(c -> c.contains("sysctl -qw") || c.contains("insmod")), "nothing touched");
    }

    @Test
    public void anSshDumpTargetWithoutADumpServerIsRefusedBeforeAnythingIsTouched() throws Exception {
        FakeDevice f = healthyHost();
        f.answers.put("kdump-tools 2>/dev/null", c -> FakeDevice.ok(c, "coredir=/var/crash\nssh=kdump@dumpsrv.lab\nnfs="));
        RunResult r = run(f, true);
        assertEquals(r.verdict, Verdict.CONFIG_ERROR, r.reason);
        assertEquals(r.failedStep, "preflight");
        assertTrue(r.reason.contains("ssh kdump@dumpsrv.lab:/var/crash (/etc/default/kdump-tools SSH=)"), r.reason);
        assertTrue(f.nmis.isEmpty(), "no NMI");
        assertTrue(f.commands.stream().noneMatch(c -> c.contains("sysctl -qw") || c.contains("insmod") || c.contains("/dev/kmsg")),
                "nothing touched: " + f.commands);
    }

    @Test
    public void aRunThatChangedNothingRestoresNothing() throws Exception {
        // kdump not ready, and not ours to configure: the run stops before its first change to the host
        FakeDevice f = healthyHost();
        f.answers.put("kexec_crash_loaded", c -> FakeDevice.ok(c, "0"));
        List<String> said = new java.util.concurrent.CopyOnWriteArrayList<>();
        ReproRun run = new ReproRun(host(), Scenario.seed(), new ReproRun.Options(false, Duration.ofSeconds(2), said::add),
                Files.createTempDirectory("runs"), f.device("fake-host"), new FastClock());
        RunResult r = run.execute();
        assertEquals(r.verdict, Verdict.KDUMP_NOT_READY, r.reason);
        assertTrue(said.stream().anyMatch(l -> l.equals("restore: this run changed nothing on the host; nothing to undo")),
                said.toString());
        assertTrue(f.commands.stream().noneMatch(c -> c.contains("rmmod") || c.contains("sysctl -qw") || c.contains("insmod")),
                "nothing loaded, unloaded or written: " + f.commands);
        assertTrue(said.stream().noneMatch(l -> l.contains("spammer/wedge unloaded")), said.toString());
    }

    /**
     * The repro run's destructive actions go through the hold's fence: with the lease lost before the trigger, no NMI
     * is sent and nothing after it happens; the run ends INCOMPLETE (never a verdict) and still restores the host.
     */
    @Test
    public void aLostLeaseStopsTheRunBeforeTheNmiAndTheHostIsRestored() throws Exception {
        FakeDevice f = healthyHost();
        java.util.List<String> refused = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.kdumplab.harness.device.Fence lost = action -> {
            refused.add(action);
            throw new io.kdumplab.harness.failure.CancelledException("the host's lease was lost before " + action);
        };
        ReproRun run = new ReproRun(host(), Scenario.seed(), new ReproRun.Options(false, Duration.ofSeconds(2), m -> { })
                .withFence(lost), Files.createTempDirectory("runs"), f.device("fake-host"), new FastClock());
        RunResult r = run.execute();
        assertEquals(r.verdict, Verdict.INCOMPLETE, r.reason);
        assertEquals(r.failedStep, "trigger", r.reason);
        assertEquals(refused, java.util.List.of("the NMI"), "asked once, before the NMI");
        assertEquals(f.nmis.size(), 0, "no NMI sent");
        assertEquals(f.powerCycles.size(), 0, "no power cycle");
        assertTrue(f.commands.stream().anyMatch(c -> c.contains("sysctl -qw kernel.unknown_nmi_panic=0")), "restored: " + f.commands);
    }

    @Test
    public void aHarnessBugIsHarnessErrorNotInfrastructure() throws Exception {
        FakeDevice f = healthyHost();
        f.answers.put("sysctl -n kernel.panic_on_io_nmi", c -> {
            throw new NullPointerException("a bug");
        });
        RunResult r = run(f, true);
        assertEquals(r.verdict, Verdict.HARNESS_ERROR, r.reason);
        assertEquals(r.failedStep, "sysctls");
        assertTrue(f.commands.stream().anyMatch(c -> c.contains("sysctl -qw kernel.unknown_nmi_panic=0")), "restored anyway");
    }

    @Test
    public void aHarnessBugInsideAWaitIsHarnessErrorAtOnceNotATimeout() throws Exception {
        // the capture kernel's readiness is waited for: a bug in that probe must not pass for "not loaded yet"
        FakeDevice f = healthyHost();
        f.answers.put("kexec_crash_loaded", c -> {
            throw new IndexOutOfBoundsException("a bug in the probe");
        });
        RunResult r = run(f, false);
        assertEquals(r.verdict, Verdict.HARNESS_ERROR, r.reason);
        assertEquals(r.failedStep, "kdump-readiness", r.reason);
        assertTrue(r.reason.contains("IndexOutOfBoundsException") || r.reason.contains("a bug in the probe"), r.reason);
    }

    @Test
    public void cancelledRunSendsNoNmiAndIsIncomplete() throws Exception {
        FakeDevice f = healthyHost();
        Path reports = Files.createTempDirectory("runs");
        ReproRun[] run = new ReproRun[1];
        f.answers.put("insmod", c -> {
            f.console.add("printk_spammer: t=0 seq=1");
            run[0].cancel("interrupted (test)");
            return FakeDevice.ok(c, "");
        });
        run[0] = new ReproRun(host(), Scenario.seed(), new ReproRun.Options(true, Duration.ofSeconds(2), m -> { }),
                reports, f.device("fake-host"), new FastClock());
        RunResult r = run[0].execute();
        assertEquals(r.verdict, Verdict.INCOMPLETE, r.reason);
        assertEquals(r.status, "interrupted");
        assertTrue(f.nmis.isEmpty(), "no NMI after a cancellation");
        assertTrue(f.commands.stream().anyMatch(c -> c.contains("rmmod $m")), "spammer unloaded");
        assertTrue(r.notes.stream().anyMatch(n -> n.contains("interrupted")), r.notes.toString());
    }

    @Test
    public void aCaptureKernelThatDiesIsPowerCycledAtOnceAndDiagnosed() throws Exception {
        FakeDevice f = healthyHost();
        f.answers.put("kexec_crash_size", c -> FakeDevice.ok(c, Long.toString(96L << 20)));
        f.answers.put("stat -c", c -> FakeDevice.ok(c, ""));
        f.onNmi = () -> {
            f.console.add("Command line: console=ttyS0 elfcorehdr=0x1000 irqpoll");
            f.console.add("[    2.1] Out of memory and no killable processes...");
            f.console.add("[    2.2] Kernel panic - not syncing: System is deadlocked on memory");
            f.console.quietFor(10_000);
            f.hostDown = true;
        };
        f.onPowerCycle = () -> {
            f.bootId = "boot-3";
            f.hostDown = false;
        };
        long t0 = System.nanoTime();
        RunResult r = run(f, true);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(r.verdict, Verdict.FAIL, r.reason);
        assertEquals(r.reason, "the capture kernel started but no vmcore was saved", "the diagnosis has fields of its own");
        assertTrue(r.diagnosis.shortText().startsWith("stopped in the capture kernel: the capture kernel ran out of memory"),
                r.diagnosis.shortText());
        assertTrue(r.diagnosis.shortText().contains("96 MiB"), r.diagnosis.shortText());
        assertEquals(f.powerCycles.size(), 1, "recovered by a power cycle");
        assertTrue(seconds < 30, "not the 300 s dump timeout: " + seconds + " s");
        assertEquals(r.terminalConsoleLine, "[    2.2] Kernel panic - not syncing: System is deadlocked on memory");
        assertEquals(r.diagnosis.stoppedAt(), io.kdumplab.harness.verdict.Diagnosis.Stop.IN_CAPTURE_KERNEL);
    }

    @Test
    public void aPassCarriesNoDiagnosis() throws Exception {
        RunResult r = run(healthyHost(), true);
        assertEquals(r.verdict, Verdict.PASS);
        assertEquals(r.diagnosis, null);
        assertEquals(r.reason, "vmcore saved and readable: /var/crash/202611271200/dump.202611271200");
    }

    @Test
    public void aReportsDiskThatFillsMidRunLosesNoVerdictAndTheResultGoesToTheFallback() throws Exception {
        Path home = Files.createTempDirectory("harness-home");
        System.setProperty("harness.home", home.toString());
        try {
            FakeDevice f = healthyHost();
            Path reports = Files.createTempDirectory("runs");
            ReproRun run = new ReproRun(host(), Scenario.seed(), new ReproRun.Options(true, Duration.ofSeconds(2), m -> { }),
                    reports, f.device("fake-host"), new FastClock());
            Runnable nmi = f.onNmi;
            f.onNmi = () -> {
                // the run directory's filesystem gives out just as the host crashes: every later write fails
                try (var s = Files.walk(run.dir())) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                try {
                    Files.writeString(run.dir(), "not a directory any more");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                nmi.run();
            };
            RunResult r = run.execute();
            assertEquals(r.verdict, Verdict.PASS, "the kernel's verdict stands: " + r.reason);
            assertNotNull(r.reportsStorageFailure, "the storage failure is named");
            assertTrue(r.reportsStorageFailure.contains(run.dir().toString()), r.reportsStorageFailure);
            assertTrue(r.hostBackInService, "restore ran: the host is not left mid-crash");
            Path fallback = ReportsStorage.fallbackDir(r.runId);
            assertTrue(fallback.startsWith(home), fallback.toString());
            RunResult onDisk = RunResult.read(fallback.resolve("result.json"));
            assertEquals(onDisk.verdict, Verdict.PASS);
            assertEquals(onDisk.evidence.vmcorePath, "/var/crash/202611271200/dump.202611271200");
            assertEquals(onDisk.status, "finished");
            assertTrue(Files.readString(fallback.resolve("console.log")).contains("elfcorehdr="), "the console kept in memory");
        } finally {
            System.clearProperty("harness.home");
        }
    }

    @Test
    public void aReportsFilesystemBelowTheMinimumIsRefusedBeforeAnythingIsTouched() throws Exception {
        FakeDevice f = healthyHost();
        Path reports = Files.createTempDirectory("runs");
        ReproRun run = new ReproRun(host(), Scenario.seed(), new ReproRun.Options(true, Duration.ofSeconds(2), m -> { }),
                reports, f.device("fake-host"), new FastClock());
        long free = ReportsStorage.usableBytes(reports);
        var e = org.testng.Assert.expectThrows(io.kdumplab.harness.failure.ConfigurationException.class,
                () -> PlanCheck.requireFreeSpace(reports, free + (1L << 40)));
        assertTrue(e.getMessage().contains(reports.toAbsolutePath().toString()) && e.getMessage().contains("KiB free"), e.getMessage());
        assertTrue(f.commands.isEmpty() && f.nmis.isEmpty(), "nothing touched");
        PlanCheck.requireFreeSpace(reports, 1); // and a filesystem with room passes
        assertFalse(Files.exists(run.dir()));
    }

    @Test
    public void aLabProcessThatDiesMidStepEndsTheRunAsInfrastructureNamingIt() throws Exception {
        FakeDevice f = healthyHost();
        java.util.concurrent.atomic.AtomicBoolean dead = new java.util.concurrent.atomic.AtomicBoolean();
        f.answers.put("insmod", c -> {
            dead.set(true); // QEMU goes away while the spammer loads; the command itself never returns
            return FakeDevice.hang().apply(c);
        });
        TargetHost h = host();
        TargetHost watched = new TargetHost(h.name(), h.ssh(), h.bmc(), h.console(), h.distro(), h.crashkernel(), h.dumpDir(),
                "it", h.kernel(), () -> dead.get() ? java.util.Optional.of("the lab's QEMU (pid 4242) exited") : java.util.Optional.empty());
        Path reports = Files.createTempDirectory("runs");
        long t0 = System.nanoTime();
        RunResult r = new ReproRun(watched, Scenario.seed(), new ReproRun.Options(true, Duration.ofSeconds(2), m -> { }),
                reports, f.device("fake-host"), new FastClock()).execute();
        assertEquals(r.verdict, Verdict.INFRA_ERROR, r.reason);
        assertEquals(r.failedStep, "spammer");
        assertTrue(r.reason.contains("QEMU (pid 4242) exited"), r.reason);
        assertTrue(f.nmis.isEmpty(), "no NMI after the machine died");
        assertTrue((System.nanoTime() - t0) / 1e9 < 30, "seen within seconds, not at the step's timeout");
    }

    @Test
    public void aMinuteOfConsoleSilenceIsAHangOnTheRunsClockNotTheMachines() throws Exception {
        FakeDevice f = hangingHost();
        Path reports = Files.createTempDirectory("runs");
        long t0 = System.nanoTime();
        ReproRun run = new ReproRun(host(), Scenario.seed(), new ReproRun.Options(true, Duration.ofSeconds(60), m -> { }),
                reports, f.device("fake-host"), new FastClock());
        RunResult r = run.execute();
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(Files.readString(run.dir().resolve("harness.log")).contains("console quiet for 60 s after the trigger"),
                "the quiet console, not the capture kernel's deadline, ended the wait");
        assertEquals(r.verdict, Verdict.FAIL, r.reason);
        assertTrue(r.reason.startsWith("hang"), r.reason);
        assertEquals(f.powerCycles.size(), 1, "recovered by one power cycle");
        assertTrue(seconds < 20, "60 s of silence measured on the fake clock, in " + seconds + " s of real time");
    }
}
