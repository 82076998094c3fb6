// SPDX-License-Identifier: GPL-2.0
/*
 * panic_wedge (test only): makes the panic path stall before the capture
 * kernel starts, the field failure mode of the seed's bug (a CPU stuck in the
 * console flush on the NMI panic path, kdump never reached).
 *
 * It registers a panic notifier that spins forever with interrupts off, and
 * sets crash_kexec_post_notifiers so that panic() runs the notifiers *before*
 * __crash_kexec(); the capture kernel is then never entered and the box hangs
 * until its BMC power-cycles it.
 *
 * probability=N (0..100, default 100) wedges only N% of panics, to model an
 * intermittent failure (for bisection). The original value of
 * crash_kexec_post_notifiers is restored on rmmod.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/random.h>
#include <linux/delay.h>

static unsigned int probability = 100;
module_param(probability, uint, 0644);
MODULE_PARM_DESC(probability, "percent of panics that wedge (default 100)");

static bool saved_post_notifiers;

static int wedge(struct notifier_block *nb, unsigned long event, void *msg)
{
	if (get_random_u32() % 100 >= probability) {
		pr_emerg("panic_wedge: letting this panic through (probability %u%%)\n", probability);
		return NOTIFY_DONE;
	}
	pr_emerg("panic_wedge: wedging the panic path before kdump\n");
	local_irq_disable();
	for (;;)
		cpu_relax();
	return NOTIFY_DONE;
}

static struct notifier_block wedge_nb = {
	.notifier_call = wedge,
	.priority = INT_MAX,
};

static int __init wedge_init(void)
{
	if (probability > 100)
		return -EINVAL;
	saved_post_notifiers = crash_kexec_post_notifiers;
	crash_kexec_post_notifiers = true;
	atomic_notifier_chain_register(&panic_notifier_list, &wedge_nb);
	pr_info("panic_wedge: armed (probability %u%%)\n", probability);
	return 0;
}

static void __exit wedge_exit(void)
{
	atomic_notifier_chain_unregister(&panic_notifier_list, &wedge_nb);
	crash_kexec_post_notifiers = saved_post_notifiers;
	pr_info("panic_wedge: disarmed\n");
}

module_init(wedge_init);
module_exit(wedge_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test-only: stall the panic path before the kdump capture kernel starts");
