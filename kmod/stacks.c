// SPDX-License-Identifier: GPL-2.0
/*
 * cowwatch: user stack samples, for readers that want call chains
 * (COWWATCH_WATCH_STACKS).
 *
 * A copying fault of a process such a reader watches takes the writing
 * thread's user registers (task_pt_regs(): saved as it entered the kernel)
 * and the top stack_bytes of its user stack, from the stack pointer up,
 * copied without sleeping (copy_from_user_nofault(), page by page: a page
 * it cannot read so ends the copy). Nothing is unwound here: the reader
 * unwinds with the binaries' CFI (elfutils), as perf does with its dwarf
 * call graphs. Kernel addresses never enter a sample.
 *
 * Each CPU has a ring of stack_slots samples, taken in the order of that
 * CPU's event ring: the producer is the probe handler on the CPU (with
 * preemption off), the only consumer the drain work, which frees a sample
 * once its event went out. A full ring gives an event without a stack
 * (COWWATCH_EVF_NO_STACK). The rings exist only once a reader asked for
 * stacks, and stay until unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

static unsigned int stack_bytes = 8192;
module_param(stack_bytes, uint, 0444);
MODULE_PARM_DESC(stack_bytes, "user stack bytes copied per sample for readers of stacks (default 8192, 64 to 12288)");

static unsigned int stack_slots = 64;
module_param(stack_slots, uint, 0444);
MODULE_PARM_DESC(stack_slots, "stack samples buffered per CPU, rounded up to a power of two (default 64)");

/* A sample must fit a netlink message beside its event (netlink.c). */
#define CW_STACK_BYTES_MAX	12288

struct cw_stack_ring {
	u32 head;		/* written by the producer */
	u32 tail;		/* written by the drain work */
	u32 mask;
	u8 *buf;		/* mask + 1 slots of cw_slot_bytes */
};

static struct cw_stack_ring __percpu *cw_stack_rings;
/* Set (release) once cw_stack_rings is allocated, under cw_ctl_mutex. */
static bool cw_stacks_ready;
static u32 cw_stack_len;	/* bytes of stack per sample */
static u32 cw_slot_bytes;	/* header and stack, 8-byte aligned */
static u32 cw_slots;

void cw_stacks_init(void)
{
	cw_stack_len = round_up(clamp(stack_bytes, 64U, CW_STACK_BYTES_MAX), 8);
	cw_slot_bytes = sizeof(struct cowwatch_stack) + cw_stack_len;
	cw_slots = roundup_pow_of_two(clamp(stack_slots, 2U, 4096U));
}

static struct cowwatch_stack *cw_slot(struct cw_stack_ring *r, u32 seq)
{
	return (struct cowwatch_stack *)(r->buf +
					 (size_t)(seq & r->mask) * cw_slot_bytes);
}

static void cw_stack_rings_free(struct cw_stack_ring __percpu *rings)
{
	int cpu;

	for_each_possible_cpu(cpu)
		kvfree(per_cpu_ptr(rings, cpu)->buf);
	free_percpu(rings);
}

/* With cw_ctl_mutex held, when a reader asks for stacks. */
int cw_stacks_want(void)
{
	struct cw_stack_ring __percpu *rings;
	int cpu;

	if (cw_stacks_ready)
		return 0;
	rings = alloc_percpu(struct cw_stack_ring);
	if (!rings)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct cw_stack_ring *r = per_cpu_ptr(rings, cpu);

		r->mask = cw_slots - 1;
		r->buf = kvmalloc_array(cw_slots, cw_slot_bytes, GFP_KERNEL);
		if (!r->buf) {
			cw_stack_rings_free(rings);
			return -ENOMEM;
		}
	}
	cw_stack_rings = rings;
	/* Release: the rings are complete before a probe or the drain sees them. */
	smp_store_release(&cw_stacks_ready, true);
	return 0;
}

size_t cw_stacks_bytes_per_cpu(void)
{
	return READ_ONCE(cw_stacks_ready) ? (size_t)cw_slots * cw_slot_bytes : 0;
}

void cw_stacks_free(void)
{
	if (!cw_stacks_ready)
		return;
	cw_stack_rings_free(cw_stack_rings);
	cw_stack_rings = NULL;
	cw_stacks_ready = false;
}

/* x86-64's DWARF register numbers 0-16, from the user frame. */
static void cw_stack_regs(u64 *regs, const struct pt_regs *pt)
{
	regs[0] = pt->ax;
	regs[1] = pt->dx;
	regs[2] = pt->cx;
	regs[3] = pt->bx;
	regs[4] = pt->si;
	regs[5] = pt->di;
	regs[6] = pt->bp;
	regs[7] = pt->sp;
	regs[8] = pt->r8;
	regs[9] = pt->r9;
	regs[10] = pt->r10;
	regs[11] = pt->r11;
	regs[12] = pt->r12;
	regs[13] = pt->r13;
	regs[14] = pt->r14;
	regs[15] = pt->r15;
	regs[16] = pt->ip;
}

/* Up to @len bytes from user @sp, a page at a time, without sleeping. */
static u32 cw_stack_copy(u8 *dst, unsigned long sp, u32 len)
{
	u32 done = 0;

	while (done < len) {
		unsigned long addr = sp + done;
		u32 chunk = min_t(u32, len - done,
				  PAGE_SIZE - offset_in_page(addr));

		if (copy_from_user_nofault(dst + done,
					   (const void __user *)addr, chunk))
			break;
		done += chunk;
	}
	return done;
}

/*
 * Probe context, preemption off, on the faulting thread: a sample of its
 * user state in this CPU's ring. Returns false (no sample) if the rings
 * are not there or full, or the thread has no 64-bit user frame. Sets
 * @urgent when this sample filled the ring by half: a burst of copies
 * would fill it before the batching delay ends.
 */
bool cw_stack_take(u32 *seq, bool *urgent)
{
	struct cw_stack_ring *r;
	struct cowwatch_stack *st;
	struct pt_regs *regs;
	u32 head;

	/* Acquire: pairs with cw_stacks_want(). */
	if (!smp_load_acquire(&cw_stacks_ready) || (current->flags & PF_KTHREAD))
		return false;
	regs = task_pt_regs(current);
	if (!user_mode(regs) || !user_64bit_mode(regs))
		return false;
	r = this_cpu_ptr(cw_stack_rings);
	head = r->head;
	/* Acquire: the drain work is done with the slots before tail. */
	if (head - smp_load_acquire(&r->tail) > r->mask)
		return false;
	st = cw_slot(r, head);
	cw_stack_regs(st->regs, regs);
	st->len = cw_stack_copy((u8 *)(st + 1), regs->sp, cw_stack_len);
	st->reserved = 0;
	/* Release: the sample is complete before the drain sees it. */
	smp_store_release(&r->head, head + 1);
	*seq = head;
	*urgent = head + 1 - READ_ONCE(r->tail) == (r->mask + 1) / 2;
	return true;
}

/* Drain work: the sample @seq of @cpu's ring (taken, not yet put). */
const struct cowwatch_stack *cw_stack_get(int cpu, u32 seq)
{
	return cw_slot(per_cpu_ptr(cw_stack_rings, cpu), seq);
}

/* Drain work: done with the sample @seq of @cpu's ring, and all before it. */
void cw_stack_put(int cpu, u32 seq)
{
	/* Release: done with the slot, the producer may reuse it. */
	smp_store_release(&per_cpu_ptr(cw_stack_rings, cpu)->tail, seq + 1);
}
