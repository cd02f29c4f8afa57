// SPDX-License-Identifier: GPL-2.0
/*
 * cowwatch: counts per process, outcome, region and code site, kept in
 * the kernel for the readers that do not ask for every event (the default
 * mode: a live view and a summary need counts, not events).
 *
 * Each CPU has two open-addressing tables of count slots. The probes on a
 * CPU add to its active table (preemption is off in probe handlers and
 * do_wp_page() never runs in interrupt context, so there is one writer and
 * no lock); a fault that matches a slot costs an increment. The drain work
 * flips each dirty CPU to its other table, waits for an RCU grace period
 * (every probe handler that may still write the old table runs with
 * preemption off, so synchronize_rcu() waits for it), then sends the old
 * table's slots to the readers and empties it. A table with no free slot
 * near a key's hash counts the fault as lost for the process's counting
 * readers; the per-process EXIT counters stay exact.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

static unsigned int count_slots = 512;
module_param(count_slots, uint, 0444);
MODULE_PARM_DESC(count_slots, "distinct (process, outcome, region, code) counts per CPU between two drains, rounded up to a power of two (default 512; two tables of 88 bytes a slot)");

/* Slots looked at from a key's hash before the fault is counted as lost. */
#define CW_COUNT_PROBES		16

struct cw_count_table {
	unsigned int used;		/* slots in use */
	struct cw_count slot[];
};

struct cw_count_cpu {
	unsigned int active;		/* 0 or 1: the table the probes fill */
	struct cw_count_table *t[2];
};

static struct cw_count_cpu __percpu *cw_counts;
static u32 cw_count_mask;
/* A table this full asks for a drain at once, not after the batching delay. */
static u32 cw_count_urgent_at;

static u32 cw_count_hash(const struct cw_event *ev)
{
	u64 key = (u64)(unsigned long)ev->entry ^ ev->vm_start ^
		  (ev->ip * 31) ^ ((u64)ev->outcome << 56) ^
		  ((u64)ev->flags << 48) ^ ev->page_size;

	return hash_64(key, 32);
}

static bool cw_count_same(const struct cw_count *c, const struct cw_event *ev,
			  u32 hash)
{
	return c->hash == hash && c->entry == ev->entry &&
	       c->vm_start == ev->vm_start && c->ip == ev->ip &&
	       c->outcome == ev->outcome && c->flags == ev->flags &&
	       c->page_size == ev->page_size && c->ino == ev->ino &&
	       c->dev == ev->dev;
}

/* A new slot: it takes a reference on the entry, and one on the file. */
static void cw_count_fill(struct cw_count *c, const struct cw_event *ev,
			  u32 hash)
{
	refcount_inc(&ev->entry->ref);
	c->entry = ev->entry;
	c->file = ev->file;
	if (c->file)
		get_file(c->file);
	c->count = 1;
	c->vm_start = ev->vm_start;
	c->vm_end = ev->vm_end;
	c->ip = ev->ip;
	c->ino = ev->ino;
	c->first_ns = ev->time;
	c->last_ns = ev->time;
	c->dev = ev->dev;
	c->outcome = ev->outcome;
	c->page_size = ev->page_size;
	c->flags = ev->flags;
	c->hash = hash;
}

/*
 * Probe context, preemption off: counts @ev. The caller keeps its entry
 * reference. False if the table had no room: the fault is counted lost.
 */
bool cw_count_add(const struct cw_event *ev)
{
	struct cw_count_cpu *pc = this_cpu_ptr(cw_counts);
	struct cw_count_table *t = pc->t[READ_ONCE(pc->active)];
	u32 hash = cw_count_hash(ev);
	unsigned int i;

	for (i = 0; i < CW_COUNT_PROBES; i++) {
		struct cw_count *c = &t->slot[(hash + i) & cw_count_mask];

		if (!c->entry) {
			cw_count_fill(c, ev, hash);
			/* The drain reads used only to know whether to flip. */
			WRITE_ONCE(t->used, t->used + 1);
			cw_counts_kick(t->used >= cw_count_urgent_at);
			return true;
		}
		if (cw_count_same(c, ev, hash)) {
			c->count++;
			c->last_ns = ev->time;
			if (ev->vm_end > c->vm_end)
				c->vm_end = ev->vm_end;
			return true;
		}
	}
	return false;
}

/*
 * Drain work: makes every CPU with counts fill its other table, and waits
 * until no probe writes the old ones. True if there are old tables to send.
 */
bool cw_counts_flip(void)
{
	bool flipped = false;
	int cpu;

	if (!cw_counts)
		return false;
	for_each_possible_cpu(cpu) {
		struct cw_count_cpu *pc = per_cpu_ptr(cw_counts, cpu);
		unsigned int a = pc->active;

		if (!READ_ONCE(pc->t[a]->used))
			continue;
		WRITE_ONCE(pc->active, !a);
		flipped = true;
	}
	if (flipped)
		synchronize_rcu();
	return flipped;
}

/*
 * Drain work, after cw_counts_flip(): sends each slot of the old tables to
 * the counting readers of its process (@send) and empties the tables.
 */
void cw_counts_drain(void (*send)(struct cw_count *c, void *arg), void *arg)
{
	int cpu;

	if (!cw_counts)
		return;
	for_each_possible_cpu(cpu) {
		struct cw_count_cpu *pc = per_cpu_ptr(cw_counts, cpu);
		struct cw_count_table *t = pc->t[!pc->active];
		u32 i;

		if (!t->used)
			continue;
		for (i = 0; i <= cw_count_mask; i++) {
			struct cw_count *c = &t->slot[i];

			if (!c->entry)
				continue;
			send(c, arg);
			cw_entry_put(c->entry);
			if (c->file)
				fput(c->file);
			memset(c, 0, sizeof(*c));
		}
		t->used = 0;
		cond_resched();
	}
}

int cw_counts_init(void)
{
	u32 slots = roundup_pow_of_two(clamp(count_slots, 16U, 1U << 16));
	int cpu, i;

	cw_count_mask = slots - 1;
	cw_count_urgent_at = slots / 2;
	cw_counts = alloc_percpu(struct cw_count_cpu);
	if (!cw_counts)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct cw_count_cpu *pc = per_cpu_ptr(cw_counts, cpu);

		for (i = 0; i < 2; i++) {
			pc->t[i] = kvzalloc(struct_size(pc->t[i], slot, slots),
					    GFP_KERNEL);
			if (!pc->t[i]) {
				cw_counts_free();
				return -ENOMEM;
			}
		}
	}
	return 0;
}

/* Bytes the tables take on one CPU, for GET_STATS. */
size_t cw_counts_bytes_per_cpu(void)
{
	return 2 * (sizeof(struct cw_count_table) +
		    (cw_count_mask + 1) * sizeof(struct cw_count));
}

/* After the last drain: what is left is dropped (nobody is watching). */
void cw_counts_free(void)
{
	int cpu, i;
	u32 j;

	if (!cw_counts)
		return;
	for_each_possible_cpu(cpu) {
		struct cw_count_cpu *pc = per_cpu_ptr(cw_counts, cpu);

		for (i = 0; i < 2; i++) {
			struct cw_count_table *t = pc->t[i];

			if (!t)
				continue;
			for (j = 0; t->used && j <= cw_count_mask; j++) {
				if (!t->slot[j].entry)
					continue;
				cw_entry_put(t->slot[j].entry);
				if (t->slot[j].file)
					fput(t->slot[j].file);
			}
			kvfree(t);
		}
	}
	free_percpu(cw_counts);
	cw_counts = NULL;
}
