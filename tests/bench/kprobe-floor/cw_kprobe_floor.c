// SPDX-License-Identifier: GPL-2.0
/*
 * cw_kprobe_floor: the floor of any kprobe design, for the benchmark only
 * (tests/bench, mode kprobe-floor; never installed).
 *
 * One kprobe on do_wp_page() whose pre-handler increments a per-CPU counter
 * and nothing else: no return probe, no filter, no record, no delivery. What
 * a probe on every write fault costs before it does any work. The sum over
 * CPUs is the read-only parameter "hits"
 * (/sys/module/cw_kprobe_floor/parameters/hits).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>

static DEFINE_PER_CPU(unsigned long, cw_floor_hits);

static int cw_floor_pre(struct kprobe *p, struct pt_regs *regs)
{
	this_cpu_inc(cw_floor_hits);
	return 0;
}

static struct kprobe cw_floor_probe = {
	.symbol_name = "do_wp_page",
	.pre_handler = cw_floor_pre,
};

static int cw_floor_hits_get(char *buf, const struct kernel_param *kp)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(cw_floor_hits, cpu);
	return scnprintf(buf, PAGE_SIZE, "%lu\n", sum);
}

static const struct kernel_param_ops cw_floor_hits_ops = {
	.get = cw_floor_hits_get,
};

module_param_cb(hits, &cw_floor_hits_ops, NULL, 0444);
MODULE_PARM_DESC(hits, "do_wp_page() calls seen since load (sum over CPUs)");

static int __init cw_floor_init(void)
{
	int ret = register_kprobe(&cw_floor_probe);

	if (ret)
		pr_err("register_kprobe(%s) failed: %d\n", cw_floor_probe.symbol_name, ret);
	return ret;
}

static void __exit cw_floor_exit(void)
{
	unregister_kprobe(&cw_floor_probe);
}

module_init(cw_floor_init);
module_exit(cw_floor_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("cowwatch developers");
MODULE_DESCRIPTION("Benchmark floor: one counting kprobe on do_wp_page");
