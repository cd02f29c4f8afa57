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

#include "internal.h"

/*
 * Bring-up order: the event rings (nothing can publish yet), fork and exit
 * tracking, the netlink family, and last the probes, which start the event
 * flow. Every failure undoes what came before it.
 */
static int __init cowwatch_init(void)
{
	int err;

#ifdef COWWATCH_SELFTEST_WARN
	/*
	 * Built only for the test harness's own test: proves that a kernel
	 * warning in the guest fails the run.
	 */
	WARN_ON(1);
#endif
	err = cw_events_init();
	if (err)
		return err;
	cw_stacks_init();
	err = cw_counts_init();
	if (err)
		goto out_events;
	err = cw_watch_init();
	if (err)
		goto out_counts;
	err = cw_netlink_init();
	if (err)
		goto out_watch;
	err = cw_probes_init();
	if (err)
		goto out_netlink;
	pr_info("version %s loaded (protocol %d)\n", COWWATCH_RELEASE,
		COWWATCH_GENL_VERSION);
	return 0;

out_netlink:
	/* A WATCH may have come meanwhile: its drain and backlog go first. */
	cw_watch_exit();
	cw_events_stop();
	cw_nl_backlogs_finish();
	cw_netlink_exit();
	cw_watch_free_all();
	goto out_counts;
out_watch:
	cw_watch_exit();
	cw_watch_free_all();
out_counts:
	cw_counts_free();
out_events:
	cw_events_free();
	cw_stacks_free();	/* a WATCH may have come before the probes failed */
	return err;
}

/*
 * Tear-down order: stop the sources (probes, then fork and exit
 * tracking; both wait for running handlers), deliver what is buffered,
 * tell each reader that nothing follows (a reader that is behind gets a
 * moment to take what waits for it), close the family, then free.
 */
static void __exit cowwatch_exit(void)
{
	cw_probes_exit();
	cw_watch_exit();
	cw_events_stop();
	cw_watch_close();
	cw_nl_backlogs_finish();
	cw_netlink_exit();
	cw_counts_free();	/* empty after the last drain; puts entries if not */
	cw_watch_free_all();
	cw_events_free();
	cw_stacks_free();
	pr_info("unloaded\n");
}

module_init(cowwatch_init);
module_exit(cowwatch_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("cowwatch developers");
MODULE_DESCRIPTION("Report who breaks copy-on-write sharing, per process, over generic netlink");
MODULE_VERSION(COWWATCH_RELEASE);
