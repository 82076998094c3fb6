package io.kdumplab.harness.verdict;

import org.testng.annotations.Test;

import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/** Each diagnosis rule, from plain observations. */
@Test(groups = "unit")
public class DiagnosesTest {
    static Diagnoses.Input input(Outcome o, List<Phase> phases, List<String> capture, Long reserved, Long emitted, long printed,
                                 String terminal) {
        return new Diagnoses.Input(o, phases, false, terminal, capture, List.of("[ 10.0] a", "[ 10.1] b"), null, reserved,
                "elfcorehdr=0x1 irqpoll", emitted, printed, 2, 5L, "nmi");
    }

    @Test
    public void aCaptureKernelOutOfMemoryNamesTheReservation() {
        Diagnosis d = Diagnoses.diagnose(input(Outcome.CAPTURE_STARTED, List.of(Phase.NMI_SENT, Phase.CAPTURE_KERNEL),
                List.of("Command line: elfcorehdr=0x1", "[ 2.1] Out of memory and no killable processes...",
                        "[ 2.2] Kernel panic - not syncing: System is deadlocked on memory"), 96L << 20, null, 0,
                "[ 2.2] Kernel panic - not syncing: System is deadlocked on memory"));
        assertEquals(d.stoppedAt(), Diagnosis.Stop.IN_CAPTURE_KERNEL);
        assertTrue(d.cause().contains("the capture kernel ran out of memory (Kernel panic - not syncing: System is deadlocked on memory)"),
                d.cause());
        assertTrue(d.cause().contains("the crash-kernel reservation is 96 MiB"), d.cause());
        assertTrue(d.remedy().contains("too small") && d.remedy().contains("crashkernel="), d.remedy());
        assertEquals(d.facts().get("crashKernelReservedMiB"), 96L);
        assertEquals(d.panicMessage(), "Kernel panic - not syncing: System is deadlocked on memory");
        assertTrue(d.summary().contains("the console's last word: Kernel panic"), d.summary());
        assertEquals(d.shortText(), "stopped in the capture kernel: " + d.cause());
    }

    @Test
    public void noCaptureKernelWithABackedUpConsoleIsTheSeedsSignature() {
        Diagnosis d = Diagnoses.diagnose(input(Outcome.HANG_RECOVERED, List.of(Phase.SPAMMER_ON, Phase.NMI_SENT), List.of(), 192L << 20,
                16_116L, 2_488, null));
        assertEquals(d.stoppedAt(), Diagnosis.Stop.BEFORE_CAPTURE_KERNEL);
        assertTrue(d.cause().startsWith("the seed's signature"), d.cause());
        assertTrue(d.cause().contains("backed up by 13628 messages"), d.cause());
        assertEquals(d.facts().get("consoleBacklogAtTrigger"), 13_628L);
        assertEquals(d.facts().get("nmisSent"), 2);
        assertEquals(d.facts().get("nmiSpacingMs"), 5L);
        assertEquals(d.lastKernelLines(), List.of("[ 10.0] a", "[ 10.1] b"));
    }

    @Test
    public void aStallWithoutBacklogIsNotCalledTheSeedsSignature() {
        Diagnosis d = Diagnoses.diagnose(input(Outcome.HANG_RECOVERED, List.of(Phase.NMI_SENT), List.of(), null, 1000L, 990, null));
        assertEquals(d.stoppedAt(), Diagnosis.Stop.BEFORE_CAPTURE_KERNEL);
        assertTrue(d.cause().startsWith("the panic path stalled before the capture kernel started"), d.cause());
    }

    @Test
    public void resetsSavingAndNoPanic() {
        assertTrue(Diagnoses.diagnose(input(Outcome.RESET_WITHOUT_CAPTURE, List.of(Phase.NMI_SENT, Phase.REBOOT), List.of(), null, null, 0,
                null)).cause().startsWith("the host reset without starting the capture kernel"));
        Diagnosis saving = Diagnoses.diagnose(input(Outcome.CAPTURE_STARTED, List.of(Phase.CAPTURE_KERNEL, Phase.DUMP_SAVING),
                List.of("Command line: elfcorehdr=0x1", "running makedumpfile"), null, null, 0, null));
        assertEquals(saving.stoppedAt(), Diagnosis.Stop.WHILE_SAVING_DUMP);
        Diagnosis none = Diagnoses.diagnose(input(Outcome.NO_PANIC, List.of(Phase.NMI_SENT), List.of(), null, null, 0, null));
        assertEquals(none.stoppedAt(), Diagnosis.Stop.NO_PANIC);
        assertEquals(none.shortText(), "no panic: the nmi did not panic the kernel");
    }

    @Test
    public void aDumpTargetThatRefusedTheDumpIsNamedWithWhatTheToolingSaid() {
        var capture = List.of("[    0.000000] Linux version 6.1.0 (kdump)", "[   24.1] kdump-tools[298]: Starting kdump-tools:",
                "[   40.2] kdump-tools[298]: kdump-tools: Unable to reach remote server kdump@dumps; can't continue");
        Diagnosis d = Diagnoses.diagnose(new Diagnoses.Input(Outcome.CAPTURE_STARTED, List.of(Phase.PANIC, Phase.CAPTURE_KERNEL), false,
                null, capture, List.of(), null, 200L << 20, "irqpoll", null, 0, 1, null, "nmi",
                "ssh kdump@dumps:/crash (/etc/default/kdump-tools SSH=)", "the dump directory kdump@dumps:22:/crash is not "
                + "writable by kdump", false));
        assertEquals(d.stoppedAt(), Diagnosis.Stop.IN_CAPTURE_KERNEL);
        assertTrue(d.cause().contains("could not save the dump to ssh kdump@dumps:/crash"), d.cause());
        assertTrue(d.cause().contains("Unable to reach remote server") && d.cause().contains("not writable by kdump"), d.cause());
        assertEquals(d.facts().get("dumpTargetProblem"), "the dump directory kdump@dumps:22:/crash is not writable by kdump");
    }

    @Test
    public void aDumpLeftIncompleteStoppedWhileSaving() {
        Diagnosis d = Diagnoses.diagnose(new Diagnoses.Input(Outcome.CAPTURE_STARTED, List.of(Phase.PANIC, Phase.CAPTURE_KERNEL,
                Phase.DUMP_SAVING), true, null, List.of("[ 1.0] kdump-tools: failed to save vmcore in kdump@dumps:/crash/h-1"),
                List.of(), null, 200L << 20, "irqpoll", null, 0, 1, null, "nmi", "ssh kdump@dumps:/crash (x)", null, true));
        assertEquals(d.stoppedAt(), Diagnosis.Stop.WHILE_SAVING_DUMP);
        assertTrue(d.cause().startsWith("the capture kernel began writing the dump to ssh kdump@dumps:/crash (x) and did not "
                + "finish"), d.cause());
    }
}
