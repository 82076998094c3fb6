package io.kdumplab.harness.verdict;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * Where the panic path of a FAIL stopped and, when recognisable, why and what
 * to do: what a lab engineer's work on a FAIL starts from. Built by
 * {@link Diagnoses#diagnose} from what the run saw; a PASS has none.
 *
 * @param stoppedAt   where the path stopped
 * @param summary     one line: where, and the terminal console line if there was one
 * @param cause       a recognised cause, or null
 * @param remedy      what to check or change for that cause, or null
 * @param panicMessage the panic line the console showed (first kernel or capture kernel), or null
 * @param lastKernelLines the last console lines before the stop (at most 20)
 * @param facts       what bears on it: reservation, capture kernel command line, console backlog at the NMI, NMIs
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Diagnosis(Stop stoppedAt, String summary, String cause, String remedy, String panicMessage,
                        List<String> lastKernelLines, Map<String, Object> facts) {
    public enum Stop {
        /** no capture kernel banner: the first kernel's panic path (or the NMI) never reached crash_kexec's jump */
        BEFORE_CAPTURE_KERNEL("before the capture kernel"),
        /** the capture kernel started but never began saving */
        IN_CAPTURE_KERNEL("in the capture kernel"),
        /** saving began and did not finish */
        WHILE_SAVING_DUMP("while saving the dump"),
        /** a dump was saved but is missing or unreadable afterwards */
        AFTER_SAVING_DUMP("after saving the dump"),
        /** the trigger did not panic the kernel at all */
        NO_PANIC("no panic");

        private final String words;

        Stop(String words) {
            this.words = words;
        }

        public String words() {
            return words;
        }
    }

    /** "stopped in the capture kernel: <cause>" for a verdict's reason. */
    public String shortText() {
        return (stoppedAt == Stop.NO_PANIC ? "no panic" : "stopped " + stoppedAt.words()) + (cause == null ? "" : ": " + cause);
    }
}
