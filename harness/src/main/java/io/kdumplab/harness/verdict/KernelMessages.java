package io.kdumplab.harness.verdict;

import java.util.regex.Pattern;

/**
 * The kernel's words the harness reads, in one place: the panic banner, the lines a boot starts with (the capture
 * kernel's carries elfcorehdr=), and the signs of a kernel dying. Console watching, phases, diagnosis and evidence
 * all match with these.
 */
public final class KernelMessages {
    private KernelMessages() {}

    /** panic() prints it first (on the NMI path it rarely reaches a flooded console before the capture kernel). */
    public static final String PANIC_BANNER = "Kernel panic - not syncing";
    /** Any kernel's boot: x86 prints its command line early. */
    public static final String BOOT = "Command line: ";
    /** The capture kernel's boot: kexec passes the old kernel's memory map as elfcorehdr=. */
    public static final String CAPTURE_BOOT = "Command line: .*elfcorehdr=";
    /** A normal boot (the reboot after the dump, or a reset without one). */
    public static final String NORMAL_BOOT = "Command line: (?!.*elfcorehdr=)";
    /** A kernel in trouble: the wait for the next boot can stop as soon as one shows in the capture kernel. */
    public static final String DEATH = PANIC_BANNER + "|Oops: |BUG: |general protection fault";
    /** The NMI's own traces (the unknown-NMI handler, or the panic it raised). */
    public static final String NMI_SEEN = "NMI received|Uhhuh\\. NMI|NMI: Not continuing|" + PANIC_BANNER + ": NMI";

    public static final Pattern PANIC_BANNER_PATTERN = Pattern.compile(PANIC_BANNER);
    public static final Pattern BOOT_PATTERN = Pattern.compile(BOOT);
    public static final Pattern DEATH_PATTERN = Pattern.compile(DEATH);

    private static final Pattern CAPTURE_BOOT_PATTERN = Pattern.compile(CAPTURE_BOOT);

    public static boolean isCaptureBoot(String line) {
        return CAPTURE_BOOT_PATTERN.matcher(line).find();
    }

    public static boolean isPanicBanner(String line) {
        return line.contains(PANIC_BANNER);
    }
}
