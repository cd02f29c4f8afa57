// SPDX-License-Identifier: GPL-2.0
/*
 * cowwatch: who breaks copy-on-write sharing, live.
 *
 * Module entry and exit. The probes, the event buffers, the netlink family
 * and the watch list each live in a file of their own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

#include "uapi/cowwatch.h"

static int __init cowwatch_init(void)
{
#ifdef COWWATCH_SELFTEST_WARN
	/*
	 * Built only for the test harness's own test: proves that a kernel
	 * warning in the guest fails the run.
	 */
	WARN_ON(1);
#endif
	pr_info("version %s loaded (protocol %d)\n", COWWATCH_RELEASE,
		COWWATCH_GENL_VERSION);
	return 0;
}

static void __exit cowwatch_exit(void)
{
	pr_info("unloaded\n");
}

module_init(cowwatch_init);
module_exit(cowwatch_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("cowwatch developers");
MODULE_DESCRIPTION("Report who breaks copy-on-write sharing, per process, over generic netlink");
MODULE_VERSION(COWWATCH_RELEASE);
