// SPDX-License-Identifier: GPL-2.0
/*
 * printk_spammer: floods the kernel log (and so every console) the way the
 * seed's reproducer did: N kthreads, each printing one message and then
 * sleeping for the interval (4 threads x 1 msg/ms = 4,000 msg/s).
 *
 * The seed slept with schedule_timeout_uninterruptible(1), one jiffy, which is
 * 1 ms at HZ=1000 (RHEL). Debian kernels run HZ=250, where a jiffy is 4 ms, so
 * this module sleeps with usleep_range() to keep the requested rate on any HZ.
 *
 * Every message carries the thread id and a per-thread sequence number, so a
 * console log can be compared with what was emitted (backlog, drops):
 *     printk_spammer: t=<tid> seq=<n> <padding to msg_len>
 * Counters: /sys/module/printk_spammer/parameters/emitted (total) and
 * .../emitted_per_thread ("t0 t1 ..." sequence counts); writing 1 to
 * .../paused stops printing so the counters can be read at rest.
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/atomic.h>

#define MAX_THREADS 64
#define MAX_LEN 1000

static unsigned int threads = 4;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "number of printing kthreads (1..64, default 4)");

static unsigned int interval_us = 1000;
module_param(interval_us, uint, 0444);
MODULE_PARM_DESC(interval_us, "sleep between two messages of one thread, microseconds (default 1000)");

static unsigned int msg_len = 80;
module_param(msg_len, uint, 0444);
MODULE_PARM_DESC(msg_len, "message length in characters, padding included (default 80)");

static unsigned int loglevel = 3;
module_param(loglevel, uint, 0444);
MODULE_PARM_DESC(loglevel, "printk level 0..7 of the messages (default 3, KERN_ERR: reaches quiet consoles too)");

static bool paused;
module_param(paused, bool, 0644);
MODULE_PARM_DESC(paused, "write 1 to stop printing (threads idle), 0 to resume; lets counters be read at rest");

static struct task_struct *workers[MAX_THREADS];
static atomic64_t seqs[MAX_THREADS];
static char padding[MAX_LEN + 1];

static int get_emitted(char *buf, const struct kernel_param *kp)
{
	u64 total = 0;
	unsigned int i;

	for (i = 0; i < threads && i < MAX_THREADS; i++)
		total += atomic64_read(&seqs[i]);
	return sysfs_emit(buf, "%llu\n", total);
}

static int get_per_thread(char *buf, const struct kernel_param *kp)
{
	int n = 0;
	unsigned int i;

	for (i = 0; i < threads && i < MAX_THREADS; i++)
		n += scnprintf(buf + n, PAGE_SIZE - n, "%s%lld", i ? " " : "", atomic64_read(&seqs[i]));
	n += scnprintf(buf + n, PAGE_SIZE - n, "\n");
	return n;
}

static const struct kernel_param_ops emitted_ops = { .get = get_emitted };
static const struct kernel_param_ops per_thread_ops = { .get = get_per_thread };
module_param_cb(emitted, &emitted_ops, NULL, 0444);
MODULE_PARM_DESC(emitted, "messages printed so far, all threads (read-only)");
module_param_cb(emitted_per_thread, &per_thread_ops, NULL, 0444);
MODULE_PARM_DESC(emitted_per_thread, "messages printed so far per thread (read-only)");

static int spam(void *data)
{
	unsigned long tid = (unsigned long)data;
	/* "printk_spammer: t=NN seq=NNNNNNNNNN " is at most 38 characters. */
	int pad = (int)msg_len - 38;

	if (pad < 0)
		pad = 0;
	while (!kthread_should_stop()) {
		u64 seq;

		if (READ_ONCE(paused)) {
			msleep_interruptible(10);
			continue;
		}
		seq = atomic64_inc_return(&seqs[tid]);

		printk("%c%cprintk_spammer: t=%lu seq=%llu %.*s\n", KERN_SOH_ASCII, '0' + loglevel,
		       tid, seq, pad, padding);
		usleep_range(interval_us, interval_us + interval_us / 10 + 1);
	}
	return 0;
}

static void stop_all(void)
{
	unsigned int i;

	for (i = 0; i < MAX_THREADS; i++) {
		if (workers[i]) {
			kthread_stop(workers[i]);
			workers[i] = NULL;
		}
	}
}

static int __init spammer_init(void)
{
	unsigned long i;

	if (threads < 1 || threads > MAX_THREADS || msg_len > MAX_LEN || loglevel > 7 || interval_us < 10)
		return -EINVAL;
	memset(padding, 'x', MAX_LEN);
	for (i = 0; i < threads; i++) {
		struct task_struct *t = kthread_run(spam, (void *)i, "printk_spam/%lu", i);

		if (IS_ERR(t)) {
			stop_all();
			return PTR_ERR(t);
		}
		workers[i] = t;
	}
	pr_info("printk_spammer: started threads=%u interval_us=%u msg_len=%u loglevel=%u\n",
		threads, interval_us, msg_len, loglevel);
	return 0;
}

static void __exit spammer_exit(void)
{
	u64 total = 0;
	unsigned int i;

	stop_all();
	for (i = 0; i < threads; i++)
		total += atomic64_read(&seqs[i]);
	pr_info("printk_spammer: stopped after %llu messages\n", total);
}

module_init(spammer_init);
module_exit(spammer_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Console flood for the NMI/kdump harness: N kthreads printing numbered messages");
