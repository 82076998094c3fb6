package io.kdumplab.harness.verdict;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Turns what a FAIL run saw into a {@link Diagnosis}. Pure: every rule is unit-tested. */
public final class Diagnoses {
    private Diagnoses() {}

    /** A console backlog above this many spammer messages at the NMI counts as "backed up". */
    static final long BACKLOG = 100;
    private static final Pattern OOM = Pattern.compile("Out of memory|deadlocked on memory|oom-kill|" + KernelMessages.PANIC_BANNER + ": .*memory");

    /**
     * What the run observed, as plain values (the run layer fills it in).
     *
     * @param outcome              what the console and SSH showed after the trigger
     * @param phases               the phases reached by the panic path itself (not the recovery's)
     * @param dumpFound            a dump file from this run exists (readable or not)
     * @param terminalLine         the console line that ended the wait early (a panic in the capture kernel,
     *                             a panic banner followed by silence), or null
     * @param captureKernelLines   console lines of the capture kernel (from its banner to the stop), may be empty
     * @param linesBeforeStop      the last console lines before the stop
     * @param firstKernelPanic     the first kernel's panic banner on the console, or null
     * @param reservedBytes        /sys/kernel/kexec_crash_size, or null
     * @param captureCmdline       the capture kernel's command line, or null
     * @param emittedAtTrigger     spammer messages emitted when the NMI was sent, or null
     * @param printedBeforeTrigger spammer messages the console had shown by then
     * @param nmisSent             NMIs sent
     * @param nmiSpacingMs         spacing of the first two, or null
     * @param trigger              "nmi" or "sysrq-c"
     * @param dumpTarget           where the host's kdump writes ("ssh kdump@dumps:/var/crash (...)"), or null
     * @param dumpTargetProblem    what a check of the dump directory after the run found wrong, or null
     * @param dumpIncomplete       the tooling left this run's dump incomplete
     * @param bmcEvents            what the BMC logged in its event log from the trigger on (described), or empty
     */
    public record Input(Outcome outcome, List<Phase> phases, boolean dumpFound, String terminalLine,
                        List<String> captureKernelLines, List<String> linesBeforeStop, String firstKernelPanic,
                        Long reservedBytes, String captureCmdline, Long emittedAtTrigger, long printedBeforeTrigger,
                        int nmisSent, Long nmiSpacingMs, String trigger, String dumpTarget, String dumpTargetProblem,
                        boolean dumpIncomplete, List<String> bmcEvents) {
        public Input(Outcome outcome, List<Phase> phases, boolean dumpFound, String terminalLine,
                     List<String> captureKernelLines, List<String> linesBeforeStop, String firstKernelPanic,
                     Long reservedBytes, String captureCmdline, Long emittedAtTrigger, long printedBeforeTrigger,
                     int nmisSent, Long nmiSpacingMs, String trigger, String dumpTarget, String dumpTargetProblem,
                     boolean dumpIncomplete) {
            this(outcome, phases, dumpFound, terminalLine, captureKernelLines, linesBeforeStop, firstKernelPanic, reservedBytes,
                    captureCmdline, emittedAtTrigger, printedBeforeTrigger, nmisSent, nmiSpacingMs, trigger, dumpTarget,
                    dumpTargetProblem, dumpIncomplete, List.of());
        }

        /** Without dump-target observations (a local target found fine). */
        public Input(Outcome outcome, List<Phase> phases, boolean dumpFound, String terminalLine,
                     List<String> captureKernelLines, List<String> linesBeforeStop, String firstKernelPanic,
                     Long reservedBytes, String captureCmdline, Long emittedAtTrigger, long printedBeforeTrigger,
                     int nmisSent, Long nmiSpacingMs, String trigger) {
            this(outcome, phases, dumpFound, terminalLine, captureKernelLines, linesBeforeStop, firstKernelPanic, reservedBytes,
                    captureCmdline, emittedAtTrigger, printedBeforeTrigger, nmisSent, nmiSpacingMs, trigger, null, null, false,
                    List.of());
        }
    }

    /**
     * What the dump tooling prints when it cannot write the dump where it is configured to (kdump-tools'
     * kdump-config, kdump-utils' kdump.sh and its dracut module, SUSE's kdump-save).
     */
    private static final Pattern TOOLING_FAILED = Pattern.compile("Unable to reach remote server|failed to save vmcore|"
            + "Cannot save core|Cannot save dump|saving vmcore failed|Unable to (?:write to|mount) the remote NFS|Unable to mount remote NFS|"
            + "No space left on device|Permission denied");

    /**
     * How a FAIL's diagnosis rode in its reason before it had fields of its own (journals and night stores written
     * then are read through {@link #legacySplit}).
     */
    private static final String IN_REASON = " - ";

    /** A reason as stored before the diagnosis had its own field: [reason, diagnosis or null]. */
    public static String[] legacySplit(String reason) {
        int i = reason == null ? -1 : reason.indexOf(IN_REASON);
        return i < 0 ? new String[] {reason, null} : new String[] {reason.substring(0, i), reason.substring(i + IN_REASON.length())};
    }

    /**
     * The distinct diagnoses of FAILs (the reason where a FAIL has no diagnosis), in first-seen order, with counts:
     * two FAILs of one build that stopped in different places are different findings and are shown as such.
     */
    public static Map<String, Integer> countByDiagnosis(List<String[]> reasonAndDiagnosis) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String[] rd : reasonAndDiagnosis) {
            String key = rd[1] != null ? rd[1] : rd[0];
            if (key != null) {
                m.merge(key, 1, Integer::sum);
            }
        }
        return m;
    }

    public static Diagnosis diagnose(Input in) {
        Map<String, Object> facts = new LinkedHashMap<>();
        if (in.reservedBytes() != null) {
            facts.put("crashKernelReservedMiB", in.reservedBytes() / (1024 * 1024));
        }
        if (in.captureCmdline() != null) {
            facts.put("captureKernelCmdline", in.captureCmdline());
        }
        Long backlog = null;
        if (in.emittedAtTrigger() != null) {
            backlog = Math.max(0, in.emittedAtTrigger() - in.printedBeforeTrigger());
            facts.put("spammerEmittedAtTrigger", in.emittedAtTrigger());
            facts.put("spammerPrintedBeforeTrigger", in.printedBeforeTrigger());
            facts.put("consoleBacklogAtTrigger", backlog);
        }
        if ("nmi".equals(in.trigger())) {
            facts.put("nmisSent", in.nmisSent());
            if (in.nmiSpacingMs() != null) {
                facts.put("nmiSpacingMs", in.nmiSpacingMs());
            }
        }
        if (in.terminalLine() != null) {
            facts.put("terminalConsoleLine", in.terminalLine());
        }
        String reserved = in.reservedBytes() == null ? "unknown" : (in.reservedBytes() / (1024 * 1024)) + " MiB";

        Diagnosis.Stop stop;
        if (in.outcome() == Outcome.NO_PANIC) {
            stop = Diagnosis.Stop.NO_PANIC;
        } else if (in.phases().contains(Phase.DUMP_SAVED) && !in.dumpIncomplete() || in.dumpFound() && !in.dumpIncomplete()) {
            stop = Diagnosis.Stop.AFTER_SAVING_DUMP;
        } else if (in.phases().contains(Phase.DUMP_SAVING) || in.dumpIncomplete()) {
            stop = Diagnosis.Stop.WHILE_SAVING_DUMP;
        } else if (in.phases().contains(Phase.CAPTURE_KERNEL) || in.outcome() == Outcome.CAPTURE_STARTED) {
            stop = Diagnosis.Stop.IN_CAPTURE_KERNEL;
        } else {
            stop = Diagnosis.Stop.BEFORE_CAPTURE_KERNEL;
        }

        String capturePanic = in.captureKernelLines().stream().filter(KernelMessages::isPanicBanner)
                .findFirst().map(Diagnoses::untimed).orElse(null);
        boolean captureOom = in.captureKernelLines().stream().anyMatch(l -> OOM.matcher(l).find());
        String panic = capturePanic != null ? capturePanic : in.firstKernelPanic() == null ? null : untimed(in.firstKernelPanic());

        String cause = null;
        String remedy = null;
        String toolingSaid = in.captureKernelLines().stream().filter(l -> TOOLING_FAILED.matcher(l).find()).findFirst()
                .map(Diagnoses::untimed).orElse(null);
        if (in.dumpTarget() != null) {
            facts.put("dumpTarget", in.dumpTarget());
        }
        if (in.dumpTargetProblem() != null) {
            facts.put("dumpTargetProblem", in.dumpTargetProblem());
        }
        if (!in.bmcEvents().isEmpty()) {
            facts.put("bmcEvents", in.bmcEvents());
        }
        switch (stop) {
            case IN_CAPTURE_KERNEL, WHILE_SAVING_DUMP -> {
                if (captureOom) {
                    cause = "the capture kernel ran out of memory" + (capturePanic == null ? "" : " (" + capturePanic + ")")
                            + "; the crash-kernel reservation is " + reserved;
                    remedy = "the reservation (" + reserved + ") is too small for this kernel and its kdump initramfs: raise "
                            + "crashkernel= (the seed's value is 1G-4G:192M,4G-64G:256M,64G-:512M) or shrink the kdump initramfs";
                } else if (in.dumpIncomplete() || toolingSaid != null || in.dumpTargetProblem() != null) {
                    // the capture kernel ran; the dump target let it down: say which target and what it lacks
                    cause = (in.dumpIncomplete() ? "the capture kernel began writing the dump to " : "the capture kernel could not "
                            + "save the dump to ") + (in.dumpTarget() == null ? "its dump target" : in.dumpTarget())
                            + (in.dumpIncomplete() ? " and did not finish" : "")
                            + (toolingSaid == null ? "" : ": the dump tooling said \"" + toolingSaid + "\"")
                            + (in.dumpTargetProblem() == null ? "" : "; after the run, " + in.dumpTargetProblem());
                    remedy = "fix the dump target (its directory, permissions, free space, and the host's way to it), then run "
                            + "again; the kernel under test reached its capture kernel";
                } else if (capturePanic != null) {
                    cause = "the capture kernel panicked (" + capturePanic + ")";
                    remedy = "read the capture kernel's last lines below; check its command line (" + in.captureCmdline() + ")";
                } else if (stop == Diagnosis.Stop.WHILE_SAVING_DUMP) {
                    cause = "saving the dump began and did not finish";
                    remedy = "check free space under the dump directory and makedumpfile's messages in the console log";
                } else {
                    cause = "the capture kernel started but never began saving the dump";
                    remedy = "check the capture kernel's console lines below and the kdump service in its initramfs";
                }
            }
            case BEFORE_CAPTURE_KERNEL -> {
                if (in.outcome() == Outcome.RESET_WITHOUT_CAPTURE || in.outcome() == Outcome.REBOOTED_UNSEEN) {
                    cause = "the host reset without starting the capture kernel" + (in.bmcEvents().isEmpty() ? ""
                            : "; the BMC logged: " + String.join("; ", in.bmcEvents()));
                    remedy = "check that a capture kernel was loaded (/sys/kernel/kexec_crash_loaded)" + (in.bmcEvents().isEmpty()
                            ? " and the BMC's event log (a triple fault or a watchdog reset)"
                            : "; the BMC's entries above say what it saw (a watchdog reset, a machine check)");
                } else if (backlog != null && backlog > BACKLOG && "nmi".equals(in.trigger())) {
                    cause = "the seed's signature: no capture kernel while the console was backed up by " + backlog
                            + " messages at the NMI (the panic path stalled flushing the console, before crash_kexec)";
                    remedy = "compare with the controls (sysrq-c, nmi_watchdog=0) on this kernel; kernels with the printk rework "
                            + "(atomic consoles, 6.6-rt and later) are not affected";
                } else {
                    cause = "the panic path stalled before the capture kernel started"
                            + (panic == null ? "" : " (last panic line: " + panic + ")");
                    remedy = "the console lines below are the last the kernel printed; check crash_kexec's path (kprobes, "
                            + "panic notifiers, crash_kexec_post_notifiers)";
                }
            }
            case AFTER_SAVING_DUMP -> {
                cause = in.dumpFound() ? "a dump was saved but cannot be read back" : "the console said the dump was saved but "
                        + "no dump from this run was found";
                remedy = "check the dump directory on the host and makedumpfile's version against the kernel";
            }
            case NO_PANIC -> {
                cause = "the " + in.trigger() + " did not panic the kernel";
                remedy = "check kernel.unknown_nmi_panic / panic_on_unrecovered_nmi / panic_on_io_nmi on the host";
            }
        }
        String summary = (stop == Diagnosis.Stop.NO_PANIC ? "no panic" : "stopped " + stop.words())
                + (in.terminalLine() == null ? "" : "; the console's last word: " + untimed(in.terminalLine()));
        List<String> last = in.linesBeforeStop().subList(Math.max(0, in.linesBeforeStop().size() - 20), in.linesBeforeStop().size());
        return new Diagnosis(stop, summary, cause, remedy, panic, List.copyOf(last), facts);
    }

    static String untimed(String line) {
        return line.replaceFirst("^\\[\\s*[0-9.]+\\]\\s*", "").strip();
    }
}
