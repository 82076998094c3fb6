// SPDX-License-Identifier: GPL-2.0
/*
 * panic_wedge (test only): makes the panic path stall before the capture
 * kernel starts, the field failure mode of the seed's bug (a CPU stuck in the
 * console flush on the NMI panic path, kdump never reached, the box hung
 * until someone power-cycles it).
 *
 * A kprobe on __crash_kexec() (which panic() calls to enter the capture
 * kernel) stops the other CPUs, as panic() would, and then spins forever with
 * interrupts off: the whole box is unresponsive, like the field's deadlock.
 * Only a kprobe and smp_send_stop() are needed, so it works on stock
 * distribution kernels.
 *
 * probability=N (0..100, default 100) wedges only N% of panics, to model an
 * intermittent failure (for bisection).
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/smp.h>

static unsigned int probability = 100;
module_param(probability, uint, 0644);
MODULE_PARM_DESC(probability, "percent of panics that wedge (default 100)");

static int wedge(struct kprobe *p, struct pt_regs *regs)
{
	if (get_random_u32() % 100 >= probability)
		return 0; /* let this one through to kdump */
	local_irq_disable();
	smp_send_stop();
	for (;;)
		cpu_relax();
	return 0;
}

static struct kprobe wedge_probe = {
	.symbol_name = "__crash_kexec",
	.pre_handler = wedge,
};

static int __init wedge_init(void)
{
	int rv;

	if (probability > 100)
		return -EINVAL;
	rv = register_kprobe(&wedge_probe);
	if (rv) {
		pr_err("panic_wedge: cannot probe __crash_kexec: %d\n", rv);
		return rv;
	}
	pr_info("panic_wedge: armed on __crash_kexec (probability %u%%)\n", probability);
	return 0;
}

static void __exit wedge_exit(void)
{
	unregister_kprobe(&wedge_probe);
	pr_info("panic_wedge: disarmed\n");
}

module_init(wedge_init);
module_exit(wedge_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test-only: stall the panic path before the kdump capture kernel starts");
