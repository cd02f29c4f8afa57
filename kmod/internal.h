/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cowwatch: what the module's files share with each other.
 *
 *   probes.c    kretprobe on do_wp_page, kprobe on the new-anon-rmap call
 *   watch.c     watched processes and their watchers, fork and exit
 *   events.c    per-CPU event rings, drained into netlink messages
 *   counts.c    per-CPU count tables, for readers that want no events
 *   stacks.c    per-CPU user stack samples, for readers that want stacks
 *   netlink.c   the generic netlink family
 */
#ifndef _COWWATCH_INTERNAL_H
#define _COWWATCH_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/types.h>

#include "uapi/cowwatch.h"

struct file;
struct net;
struct pid;
struct pid_namespace;

/* Readers of one process at most; a further WATCH gets -EBUSY. */
#define CW_MAX_WATCHERS		4

/*
 * A file whose path a reader was sent (COWWATCH_EV_PATH): a direct-mapped
 * cache, so a file's path goes out with its first event and again only
 * after another file took its slot, or a message to the reader was lost.
 */
#define CW_NAMED_BITS		7
#define CW_NAMED_SLOTS		BIT(CW_NAMED_BITS)

struct cw_named {
	u64 ino;			/* 0: empty */
	u32 dev;
	u32 generation;			/* tells a reused inode number apart */
};

/* A reader: one netlink socket (net, port id). */
struct cw_watcher {
	refcount_t ref;
	struct net *net;
	u32 portid;
	struct pid_namespace *pidns;	/* the reader's, for COWWATCH_EV_PID */
	bool privileged;		/* had CAP_SYS_ADMIN at its first WATCH */
	bool events;			/* wants events (COWWATCH_WATCH_EVENTS) */
	bool stacks;			/* and stacks (COWWATCH_WATCH_STACKS) */
	atomic64_t lost;		/* events dropped for this reader */
	bool released;			/* its socket closed: send it nothing more */
	struct list_head node;		/* cw_watchers, under cw_ctl_mutex */
	/* Only the drain work touches these (and unload after it). */
	u32 seq;			/* of the next notification its socket takes */
	/* FORK, EXEC, EXIT and GONE its full socket had no room for yet. */
	struct sk_buff_head backlog;
	struct list_head backlog_node;	/* on netlink.c's list while backlogged */
	struct sk_buff *skb;
	void *hdr;
	struct nlattr *records;		/* the open COWWATCH_A_EVENTS array */
	u64 nevents;			/* faults in the pending message */
	struct list_head flush_node;
	struct rcu_head rcu;		/* kfree_rcu(): within the first 4 KiB */
	struct cw_named named[CW_NAMED_SLOTS];
};

/* A watched process (thread group). */
struct cw_entry {
	refcount_t ref;
	pid_t tgid;			/* initial namespace: the hash key */
	struct pid *pid;		/* for the readers' namespaces */
	struct hlist_node hnode;	/* cw_hash, under cw_watch_lock */
	struct llist_node exit_node;	/* on cw_exited once the group died */
	struct llist_node notice_node;	/* on cw_notices while notice != 0 */
	atomic_t notice;		/* CW_NOTICE_* waiting to be sent */
	struct pid *parent;		/* FORK: the watched process that forked it */
	u64 fork_ns, exec_ns, exit_ns;	/* when it forked, exec'd, exited */
	char fork_comm[TASK_COMM_LEN];	/* FORK: the child's name then */
	char comm[TASK_COMM_LEN];	/* EXEC: the name after exec */
	char exit_comm[TASK_COMM_LEN];	/* EXIT: its main thread's name */
	bool held;			/* COWWATCH_WATCH_FROM_EXEC, before the exec */
	u8 modes;			/* CW_MODE_*: what its watchers want */
	struct cw_watcher __rcu *w[CW_MAX_WATCHERS];
	atomic64_t count[__COWWATCH_OUT_MAX];
	struct rcu_head rcu;
};

/* cw_entry.modes, under cw_watch_lock: what the fault path feeds. */
#define CW_MODE_EVENTS		0x1	/* a watcher wants events: the rings */
#define CW_MODE_COUNTS		0x2	/* a watcher wants counts: the tables */
#define CW_MODE_STACKS		0x4	/* a watcher wants stacks: the samples */

/* Notifications waiting in cw_entry.notice. */
#define CW_NOTICE_FORK		0x1
#define CW_NOTICE_EXEC		0x2

/* One fault, as the probes saw it; the drain work turns it into netlink. */
struct cw_event {
	struct cw_entry *entry;		/* holds a reference */
	struct file *file;		/* the region's, with a reference; or NULL */
	u64 time;
	u64 addr;
	u64 ip;
	u64 vm_start;
	u64 vm_end;
	u64 vm_flags;
	u64 ino;
	u32 dev;
	u32 tid;
	u32 cpu;
	u32 outcome;
	u32 page_size;
	u32 flags;
	u32 stack_seq;			/* CW_STACK_TAKEN: the sample in stacks.c */
	u8 stack;			/* CW_STACK_* */
	char comm[TASK_COMM_LEN];
};

/* cw_event.stack */
#define CW_STACK_NONE		0
#define CW_STACK_WANTED		1	/* by the probe: a reader wants its stack */
#define CW_STACK_TAKEN		2	/* by cw_event_submit(): stack_seq is set */

/*
 * The faults of one process with the same outcome, page size, flags,
 * region start and user IP, counted since the last drain (counts.c).
 */
struct cw_count {
	struct cw_entry *entry;		/* NULL: free; else holds a reference */
	struct file *file;		/* the region's, with a reference; or NULL */
	u64 vm_start;
	u64 vm_end;
	u64 ip;
	u64 ino;
	u64 first_ns;
	u64 last_ns;
	u32 count;
	u32 dev;
	u32 outcome;
	u32 page_size;
	u32 flags;
	u32 hash;
};

/* watch.c */
int cw_watch_init(void);
void cw_watch_exit(void);
void cw_watch_free_all(void);
struct cw_entry *cw_entry_get_rcu(pid_t tgid);
struct cw_entry *cw_entry_get_probe(pid_t tgid);
void cw_entry_put(struct cw_entry *e);
/* What a WATCH with COWWATCH_WATCH_DESCENDANTS watched anew. */
struct cw_found {
	struct cowwatch_found *v;	/* room for COWWATCH_FOUND_MAX */
	unsigned int n;
	bool more;			/* full: the reader asks again */
};

int cw_watch_add(struct net *net, u32 portid, pid_t vnr, u32 flags,
		 struct cw_found *found);
int cw_watch_del(struct net *net, u32 portid, pid_t vnr);
void cw_watcher_release_port(struct net *net, u32 portid);
struct cw_watcher *cw_watcher_tryget(struct cw_watcher *w);
void cw_watcher_put(struct cw_watcher *w);
unsigned int cw_watched_count(void);
struct llist_node *cw_take_exited(void);
struct llist_node *cw_take_notices(void);
void cw_watch_close(void);
void cw_entry_lost(struct cw_entry *e, bool events);

/* events.c */
extern atomic64_t cw_lost_total;
int cw_events_init(void);
void cw_events_stop(void);
void cw_events_free(void);
void cw_event_submit(struct cw_event *ev);
void cw_events_kick(void);
void cw_counts_kick(bool urgent);
int cw_events_want_rings(void);
size_t cw_events_bytes_per_cpu(void);

/* stacks.c */
void cw_stacks_init(void);
int cw_stacks_want(void);
void cw_stacks_free(void);
size_t cw_stacks_bytes_per_cpu(void);
bool cw_stack_take(u32 *seq, bool *urgent);
const struct cowwatch_stack *cw_stack_get(int cpu, u32 seq);
void cw_stack_put(int cpu, u32 seq);

/* counts.c */
int cw_counts_init(void);
void cw_counts_free(void);
bool cw_count_add(const struct cw_event *ev);
bool cw_counts_flip(void);
void cw_counts_drain(void (*send)(struct cw_count *c, void *arg), void *arg);
size_t cw_counts_bytes_per_cpu(void);

/* netlink.c */
int cw_netlink_init(void);
void cw_netlink_exit(void);
int cw_nl_add_event(struct cw_watcher *w, const struct cw_event *ev,
		    const struct cowwatch_stack *st);
int cw_nl_add_count(struct cw_watcher *w, const struct cw_count *c);
void cw_nl_flush(struct cw_watcher *w);
void cw_nl_send_exit(struct cw_watcher *w, struct cw_entry *e);
void cw_nl_send_gone(struct cw_watcher *w);
bool cw_nl_backlogs_retry(void);
bool cw_nl_backlogged(void);
void cw_nl_backlogs_finish(void);
void cw_nl_send_notice(struct cw_watcher *w, struct cw_entry *e,
		       unsigned int notice);

/* probes.c */
int cw_probes_init(void);
void cw_probes_exit(void);
int cw_probes_arm(void);
void cw_probes_disarm(void);
bool cw_probes_armed(void);
void cw_probes_stats(u64 *wp_hits, u64 *wp_watched, u64 *rmap_hits,
		     u64 *nmissed, const char **rmap_symbol);

#endif /* _COWWATCH_INTERNAL_H */
