package io.kdumplab.harness.verdict;


import java.util.regex.Pattern;

/**
 * The panic path's phases as they show on a serial console. None of them may
 * be required for a verdict: on the NMI path the panic banner usually never
 * reaches the console (printk in NMI context is deferred and the capture
 * kernel starts first). The vmcore decides.
 */
public enum Phase {
    SPAMMER_ON("printk_spammer: t=\\d+ seq=\\d+"),
    NMI_SENT(null),
    NMI_SEEN(KernelMessages.NMI_SEEN),
    PANIC(KernelMessages.PANIC_BANNER),
    CAPTURE_KERNEL(KernelMessages.CAPTURE_BOOT),
    // kdump-tools, kdump-utils, SUSE's kdumptool ("Saving dump using makedumpfile", "Dump saving completed.")
    DUMP_SAVING("running makedumpfile|sending makedumpfile|kdump: saving vmcore|Copying data|Saving dump"),
    DUMP_SAVED("kdump-tools: saved vmcore|saving vmcore complete|The dumpfile is saved|Dump saving completed"),
    REBOOT("reboot: Restarting system|" + KernelMessages.NORMAL_BOOT),
    POWER_CYCLE(null),
    SSH_BACK(null);

    private final Pattern pattern;

    Phase(String regex) {
        this.pattern = regex == null ? null : Pattern.compile(regex);
    }

    /** Null for phases the harness records itself rather than reading them off the console. */
    public Pattern pattern() {
        return pattern;
    }
}
