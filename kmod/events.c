// SPDX-License-Identifier: GPL-2.0
/*
 * cowwatch: from the probes to the readers.
 *
 * Each CPU has a ring of fixed-size records. The only writer of a ring is
 * a probe handler on its CPU (preemption is off there, and do_wp_page()
 * never runs in interrupt context, so writes do not nest); the only reader
 * is the drain work item (a work item never runs twice at once). So a
 * single-producer single-consumer ring with acquire/release indices needs
 * no lock, and a full ring drops the event and counts it, for the total
 * and for each reader of the process.
 *
 * A probe cannot sleep nor call into netlink: it kicks an irq_work, which
 * queues the drain work a little later (to pack many events into one
 * message), which builds the netlink messages (netlink.c) in process
 * context. The kick flag keeps the probe from raising an interrupt per
 * event: it is set by the first event after a drain started.
 *
 * The rings exist only once a reader asked for events: readers of counts
 * (counts.c, the default) need none, and a ring costs ring_size * 120
 * bytes per CPU. The same drain work sends the counts, and the stack
 * samples of readers of stacks (stacks.c) with their events.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "internal.h"

static unsigned int ring_size = 4096;
module_param(ring_size, uint, 0444);
MODULE_PARM_DESC(ring_size, "events buffered per CPU, rounded up to a power of two (default 4096, 120 bytes each)");

static int drain_at = -1;
module_param(drain_at, int, 0444);
MODULE_PARM_DESC(drain_at, "events in one CPU's ring that start a drain at once (default: an eighth of the ring; 0: only after the batching delay)");

/* The drain_at in force, from 1 up; 0: never early. */
static u32 cw_drain_at;

/* How long events gather before a drain: batching, not latency. */
#define CW_DRAIN_DELAY	msecs_to_jiffies(5)
/* Counts only: each drain costs an RCU grace period, so gather longer. */
#define CW_COUNT_DELAY	msecs_to_jiffies(25)
/* A reader's socket was full: how soon to offer its backlog again. */
#define CW_BACKLOG_DELAY	msecs_to_jiffies(20)

struct cw_ring {
	u32 head;		/* written by the producer */
	u32 tail;		/* written by the drain work */
	u32 drain_to;		/* the drain work's snapshot of head */
	u32 mask;
	struct cw_event *ev;
};

static struct cw_ring __percpu *cw_rings;
/* Set (release) once cw_rings is allocated, under cw_ctl_mutex. */
static bool cw_rings_ready;
static unsigned int cw_ring_len;
atomic64_t cw_lost_total = ATOMIC64_INIT(0);
static atomic_t cw_kicked = ATOMIC_INIT(0);
static struct irq_work cw_irq_work;
static struct delayed_work cw_drain_work;

/*
 * The drain's own queue: unbound, and high priority, so that faulting
 * threads that keep every CPU busy do not starve it. On a normal-priority
 * queue it had a fair share at best: 4 CPU-bound Python workers on 2 CPUs,
 * copying with stack samples (a 16 KiB message each), overflowed a CPU's
 * 4096 events while the drain sent ~3,600 a second (6.1 guest, ftrace;
 * kmod/DESIGN.md). It runs only while faults give it events, so it cannot
 * starve the threads that make them.
 */
static struct workqueue_struct *cw_drain_wq;

/* Set when a ring is an eighth full: drain now, not after the batching delay. */
static atomic_t cw_urgent = ATOMIC_INIT(0);
/* Set by a kick for events, exits or notices: the short batching delay. */
static atomic_t cw_soon = ATOMIC_INIT(0);

static void cw_irq_work_fn(struct irq_work *w)
{
	if (atomic_xchg(&cw_urgent, 0))
		mod_delayed_work(cw_drain_wq, &cw_drain_work, 0);
	else
		queue_delayed_work(cw_drain_wq, &cw_drain_work,
				   atomic_xchg(&cw_soon, 0) ? CW_DRAIN_DELAY :
				   CW_COUNT_DELAY);
}

/*
 * Pairs with the smp_mb() in cw_drain(): either the drain that is about to
 * run sees what we published, or we see the flag cleared and kick again.
 */
static void cw_kick(void)
{
	/* Orders the ring's head (or cw_exited, or a count) before cw_kicked. */
	smp_mb();
	if (!atomic_read(&cw_kicked) && !atomic_xchg(&cw_kicked, 1))
		irq_work_queue(&cw_irq_work);
}

void cw_events_kick(void)
{
	if (!atomic_read(&cw_soon))
		atomic_set(&cw_soon, 1);
	cw_kick();
}

/* A new count slot; @urgent: its table is half full. */
void cw_counts_kick(bool urgent)
{
	if (urgent && !atomic_xchg(&cw_urgent, 1))
		irq_work_queue(&cw_irq_work);
	cw_kick();
}

/*
 * Probe context, preemption off. Takes over ev->entry's reference; the
 * ring's copy takes one on ev->file. That is never the file's last
 * reference (the faulting VMA holds one), so the drain's fput() is what
 * may close it, in process context.
 */
void cw_event_submit(struct cw_event *ev)
{
	struct cw_ring *r;
	u32 head;

	/* Acquire: pairs with cw_events_want_rings(). */
	if (!smp_load_acquire(&cw_rings_ready)) {
		cw_entry_lost(ev->entry, true);
		cw_entry_put(ev->entry);
		return;
	}
	r = this_cpu_ptr(cw_rings);
	head = r->head;
	/* Acquire: the drain work is done with the slots before tail. */
	if (head - smp_load_acquire(&r->tail) > r->mask) {
		cw_entry_lost(ev->entry, true);
		cw_entry_put(ev->entry);
	} else {
		if (ev->file)
			get_file(ev->file);
		/* The stack sample, in this CPU's order, only with its event. */
		if (ev->stack == CW_STACK_WANTED) {
			bool urgent = false;

			if (cw_stack_take(&ev->stack_seq, &urgent)) {
				ev->stack = CW_STACK_TAKEN;
				if (urgent && !atomic_xchg(&cw_urgent, 1))
					irq_work_queue(&cw_irq_work);
			} else {
				ev->stack = CW_STACK_NONE;
				ev->flags |= COWWATCH_EVF_NO_STACK;
			}
		}
		r->ev[head & r->mask] = *ev;
		/* Release: the record is complete before the drain sees it. */
		smp_store_release(&r->head, head + 1);
		/* A burst: the batching delay would let the ring overflow. */
		if (head - READ_ONCE(r->tail) + 1 == cw_drain_at &&
		    !atomic_xchg(&cw_urgent, 1))
			irq_work_queue(&cw_irq_work);
	}
	cw_events_kick();
}

/* The readers of @e, each with a reference; returns how many. */
static int cw_watchers_of(struct cw_entry *e, struct cw_watcher **ws)
{
	int i, n = 0;

	rcu_read_lock();
	for (i = 0; i < CW_MAX_WATCHERS; i++) {
		struct cw_watcher *w = rcu_dereference(e->w[i]);

		if (w && cw_watcher_tryget(w))
			ws[n++] = w;
	}
	rcu_read_unlock();
	return n;
}

/* @w's message is to be sent at the end of the drain; takes over @w's ref. */
static void cw_pending_add(struct cw_watcher *w, struct list_head *pending)
{
	if (list_empty(&w->flush_node))
		list_add_tail(&w->flush_node, pending);
	else
		cw_watcher_put(w);
}

/* @ev, taken from @cpu's ring, to each reader of events of its process. */
static void cw_drain_one(struct cw_event *ev, int cpu, struct list_head *pending)
{
	struct cw_watcher *ws[CW_MAX_WATCHERS];
	const struct cowwatch_stack *st = NULL;
	int i, n = cw_watchers_of(ev->entry, ws);

	if (ev->stack == CW_STACK_TAKEN)
		st = cw_stack_get(cpu, ev->stack_seq);
	for (i = 0; i < n; i++) {
		if (ws[i]->events) {
			cw_nl_add_event(ws[i], ev, ws[i]->stacks ? st : NULL);
			cw_pending_add(ws[i], pending);
		} else {
			cw_watcher_put(ws[i]);
		}
	}
	if (st)
		cw_stack_put(cpu, ev->stack_seq);
	cw_entry_put(ev->entry);
	if (ev->file)
		fput(ev->file);
}

/* One count slot, to each reader of counts of its process. */
static void cw_drain_count(struct cw_count *c, void *pending)
{
	struct cw_watcher *ws[CW_MAX_WATCHERS];
	int i, n = cw_watchers_of(c->entry, ws);

	for (i = 0; i < n; i++) {
		if (!ws[i]->events) {
			cw_nl_add_count(ws[i], c);
			cw_pending_add(ws[i], pending);
		} else {
			cw_watcher_put(ws[i]);
		}
	}
}

static void cw_drain_notices(struct llist_node *n)
{
	struct cw_watcher *ws[CW_MAX_WATCHERS];
	unsigned int notice;
	struct cw_entry *e;
	int i, nw;

	while (n) {
		e = llist_entry(n, struct cw_entry, notice_node);
		/* Read next before notice is cleared: see cw_notify(). */
		n = n->next;
		notice = atomic_xchg(&e->notice, 0);
		nw = cw_watchers_of(e, ws);
		for (i = 0; i < nw; i++) {
			cw_nl_send_notice(ws[i], e, notice);
			cw_watcher_put(ws[i]);
		}
		cw_entry_put(e);
	}
}

static void cw_drain(struct work_struct *work)
{
	struct cw_watcher *ws[CW_MAX_WATCHERS], *w, *wtmp;
	struct llist_node *exited;
	LIST_HEAD(pending);
	unsigned int done = 0;
	bool rings, counts;
	int cpu, i, n;

	/* Acquire: pairs with cw_events_want_rings(). */
	rings = smp_load_acquire(&cw_rings_ready);
	atomic_set(&cw_kicked, 0);
	/* Clears cw_kicked before reading heads; pairs with cw_kick(). */
	smp_mb();
	/*
	 * Exits first: the events and counts of an exited process were
	 * published before its exit, so they are in the rings and tables
	 * drained below, and go out before its EXIT message.
	 */
	exited = cw_take_exited();
	counts = cw_counts_flip();
	/* What readers were not sent yet goes before this batch. */
	cw_nl_backlogs_retry();
	for_each_possible_cpu(cpu) {
		struct cw_ring *r;

		if (!rings)
			break;
		r = per_cpu_ptr(cw_rings, cpu);
		/* Acquire: pairs with the producer's release of head. */
		r->drain_to = smp_load_acquire(&r->head);
	}
	/*
	 * Then forks and execs, taken after the heads (and the flip) and sent
	 * before the events and counts up to them: a child's FORK (or a
	 * process's EXEC) is queued before its first fault is published, so
	 * it is in this batch whenever that fault is, and a reader knows the
	 * child's parent and memory map before its first event. Later faults
	 * wait for the next drain, which their producer kicked.
	 */
	cw_drain_notices(cw_take_notices());
	if (counts)
		cw_counts_drain(cw_drain_count, &pending);
	for_each_possible_cpu(cpu) {
		struct cw_ring *r;
		u32 tail, head;

		if (!rings)
			break;
		r = per_cpu_ptr(cw_rings, cpu);
		tail = r->tail;
		head = r->drain_to;

		while (tail != head) {
			cw_drain_one(&r->ev[tail & r->mask], cpu, &pending);
			/* Release: done with the slot, the producer may reuse it. */
			smp_store_release(&r->tail, ++tail);
			if (!(++done % 64))
				cond_resched();
		}
	}
	list_for_each_entry_safe(w, wtmp, &pending, flush_node) {
		cw_nl_flush(w);
		list_del_init(&w->flush_node);
		cw_watcher_put(w);
	}
	while (exited) {
		struct cw_entry *e = llist_entry(exited, struct cw_entry, exit_node);

		exited = exited->next;
		n = cw_watchers_of(e, ws);
		for (i = 0; i < n; i++) {
			cw_nl_send_exit(ws[i], e);
			cw_watcher_put(ws[i]);
		}
		cw_entry_put(e);
	}
	/* A reader's socket was full: try again soon, kicked or not. */
	if (cw_nl_backlogged())
		queue_delayed_work(cw_drain_wq, &cw_drain_work, CW_BACKLOG_DELAY);
}

int cw_events_init(void)
{
	cw_ring_len = roundup_pow_of_two(clamp(ring_size, 16U, 1U << 20));
	cw_drain_at = drain_at < 0 ? cw_ring_len / 8 :
		      min_t(u32, drain_at, cw_ring_len);
	cw_drain_wq = alloc_workqueue("cowwatch_drain", WQ_UNBOUND | WQ_HIGHPRI, 1);
	if (!cw_drain_wq)
		return -ENOMEM;
	init_irq_work(&cw_irq_work, cw_irq_work_fn);
	INIT_DELAYED_WORK(&cw_drain_work, cw_drain);
	return 0;
}

static void cw_rings_free(struct cw_ring __percpu *rings)
{
	int cpu;

	for_each_possible_cpu(cpu)
		kvfree(per_cpu_ptr(rings, cpu)->ev);
	free_percpu(rings);
}

/*
 * With cw_ctl_mutex held, when a reader asks for events: the rings, if
 * they are not there yet. They stay until the module unloads.
 */
int cw_events_want_rings(void)
{
	struct cw_ring __percpu *rings;
	int cpu;

	if (cw_rings_ready)
		return 0;
	rings = alloc_percpu(struct cw_ring);
	if (!rings)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct cw_ring *r = per_cpu_ptr(rings, cpu);

		r->mask = cw_ring_len - 1;
		r->ev = kvcalloc(cw_ring_len, sizeof(*r->ev), GFP_KERNEL);
		if (!r->ev) {
			cw_rings_free(rings);
			return -ENOMEM;
		}
	}
	cw_rings = rings;
	/* Release: the rings are complete before a probe or the drain sees them. */
	smp_store_release(&cw_rings_ready, true);
	return 0;
}

/* Bytes the rings take on one CPU (0 until a reader asked for events). */
size_t cw_events_bytes_per_cpu(void)
{
	return READ_ONCE(cw_rings_ready) ?
	       (size_t)cw_ring_len * sizeof(struct cw_event) : 0;
}

/* After the probes and tracepoints are gone: one last drain. */
void cw_events_stop(void)
{
	irq_work_sync(&cw_irq_work);
	flush_delayed_work(&cw_drain_work);
	cancel_delayed_work_sync(&cw_drain_work);
	cw_drain(&cw_drain_work.work);
	/* It queued itself again if a backlog waits: cw_nl_backlogs_finish(). */
	cancel_delayed_work_sync(&cw_drain_work);
}

/* After cw_events_stop(), or before any reader could kick the drain. */
void cw_events_free(void)
{
	destroy_workqueue(cw_drain_wq);
	cw_drain_wq = NULL;
	if (!cw_rings_ready)
		return;
	cw_rings_free(cw_rings);
	cw_rings = NULL;
	cw_rings_ready = false;
}
