package io.kdumplab.harness.verdict;

/** What the console and SSH showed after the trigger. */
public enum Outcome {
    /** The capture kernel's banner (elfcorehdr=) was on the console. */
    CAPTURE_STARTED,
    /** A normal boot banner came before any capture kernel. */
    RESET_WITHOUT_CAPTURE,
    /** SSH came back with a new boot id although the console (interrupted) did not show how. */
    REBOOTED_UNSEEN,
    /** No capture kernel, console quiet or timed out, SSH gone: recovered by a BMC power cycle. */
    HANG_RECOVERED,
    /** The same boot still runs after the trigger. */
    NO_PANIC
}
