// SPDX-License-Identifier: GPL-2.0
/*
 * cowwatch: the probes that see copy-on-write faults.
 *
 * A kretprobe on do_wp_page() sees every write fault on a present,
 * write-protected page: its entry handler notes what the old page was, its
 * return handler what the fault ended in. do_wp_page() does not tell copy
 * from reuse by its return value (6.1 returns VM_FAULT_WRITE for both, 6.6+
 * returns 0 for both), and wp_page_copy() is inlined from 6.12 on. What
 * every kernel does have: a copy is the only path in do_wp_page() that
 * installs a new anonymous page, through page_add_new_anon_rmap() (6.1) or
 * folio_add_new_anon_rmap() (6.6+). A kprobe there marks the fault of the
 * same task, same VMA and same address as a copy.
 *
 * do_wp_page() drops the PTE lock and allocates on the copy path, so the
 * task may sleep and move to another CPU between entry and return: per-CPU
 * state cannot carry the "this task is in do_wp_page" mark. The mark lives
 * in the kretprobe instance's own data, hashed by task into buckets with a
 * lock each. Only faults of watched processes are put in the table (the
 * entry handler declines the others, so they cost no instance and no
 * lock), and a task only ever finds its own record, which it inserted
 * itself, so the lockless empty check below cannot miss it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/hugetlb.h>
#include <linux/jiffies.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched/task_stack.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#include "internal.h"

static char *wp_symbol = "do_wp_page";
module_param(wp_symbol, charp, 0444);
MODULE_PARM_DESC(wp_symbol, "function probed for write faults (for tests; default do_wp_page)");

static char *rmap_symbol;
module_param(rmap_symbol, charp, 0444);
MODULE_PARM_DESC(rmap_symbol, "new-anon-rmap function to probe (for tests; default: folio_add_new_anon_rmap, else page_add_new_anon_rmap)");

static bool idle_disarm = true;
module_param(idle_disarm, bool, 0444);
MODULE_PARM_DESC(idle_disarm, "arm the probes only while a process is watched (default 1); 0: armed from load to unload (for qemu TCG guests with several vCPUs, where live patching a function another vCPU runs can crash the guest)");

static int maxactive = 256;
module_param(maxactive, int, 0444);
MODULE_PARM_DESC(maxactive, "do_wp_page calls of watched processes tracked at once (default 256)");

/* What the page behind the write-protected PTE was, at entry. */
enum cw_old {
	CW_OLD_ANON,
	CW_OLD_ZERO,
	CW_OLD_FILE,
	CW_OLD_KSM,
	CW_OLD_SPECIAL,		/* no struct page (PFN maps) */
	CW_OLD_EXCLUSIVE,	/* anonymous, exclusive to this process */
};

/* The data of one kretprobe instance: one do_wp_page() call in flight. */
struct cw_inst {
	struct hlist_node node;
	struct task_struct *task;
	struct vm_area_struct *vma;
	unsigned long address;
	bool copied;
	bool orphan;			/* taken out of cw_inflight at unload */
	u8 old;
	pmd_t *pmd;			/* do_huge_pmd_wp_page(): the PMD */
	unsigned long orig_pfn;		/* and the page it mapped at entry */
	struct cw_event ev;
};

#define CW_INFLIGHT_BITS	6

struct cw_bucket {
	raw_spinlock_t lock;
	struct hlist_head head;
} ____cacheline_aligned_in_smp;

static struct cw_bucket cw_inflight[1 << CW_INFLIGHT_BITS];

static DEFINE_PER_CPU(u64, cw_wp_hits);
static DEFINE_PER_CPU(u64, cw_wp_watched);
static DEFINE_PER_CPU(u64, cw_rmap_hits);

static const char *cw_rmap_name;

static DEFINE_MUTEX(cw_arm_mutex);
static bool cw_registered;	/* between init and exit */
static bool cw_armed;		/* enabled: something is watched */

/* Registered disabled, to be armed at the first WATCH, unless idle_disarm=0. */
static unsigned int cw_reg_flags(void)
{
	return idle_disarm ? KPROBE_FLAG_DISABLED : 0;
}

static struct cw_bucket *cw_bucket_of(struct task_struct *t)
{
	return &cw_inflight[hash_ptr(t, CW_INFLIGHT_BITS)];
}

/*
 * The process a fault is charged to: the owner of the mm, which is current
 * unless the fault is a remote one (ptrace, /proc/pid/mem, GUP on another
 * process), where only mm->owner (CONFIG_MEMCG) names it.
 */
static pid_t cw_fault_tgid(struct mm_struct *mm, bool *remote)
{
	pid_t tgid = 0;

	*remote = current->mm != mm;
	if (!*remote)
		return current->tgid;
#ifdef CONFIG_MEMCG
	{
		struct task_struct *owner;

		rcu_read_lock();
		owner = rcu_dereference(mm->owner);
		if (owner)
			tgid = owner->tgid;
		rcu_read_unlock();
	}
#endif
	return tgid;
}

/*
 * What the old page is. do_wp_page() is entered with the PTE lock held and
 * with vmf->orig_pte equal to the PTE, so the page stays mapped (and
 * cannot be freed or change between anonymous and page cache) while we
 * look, without taking a reference. KSM can turn a mapped anonymous page
 * into a KSM page under the page lock only; that race at worst reports a
 * copy of a page that was merged at that very moment as "copy", not "ksm".
 */
static u8 cw_old_page(struct vm_area_struct *vma, pte_t pte)
{
	unsigned long pfn = pte_pfn(pte);
	struct folio *folio;
	struct page *page;

	if (is_zero_pfn(pfn))
		return CW_OLD_ZERO;
	if (vma->vm_flags & (VM_PFNMAP | VM_MIXEDMAP))
		return CW_OLD_SPECIAL;
	/*
	 * Outside PFN and mixed maps, a present PTE that is not special maps
	 * a page with a struct page: vm_normal_page() in do_wp_page() takes
	 * it as such too. Only a special one (DAX) needs pfn_valid().
	 */
	if (unlikely(pte_special(pte)) && !pfn_valid(pfn))
		return CW_OLD_SPECIAL;
	page = pfn_to_page(pfn);
	folio = page_folio(page);
	/* PageKsm() is gone in 7.2; folio_test_ksm() is in 6.1 and later. */
	if (folio_test_ksm(folio))
		return CW_OLD_KSM;
	if (folio_test_anon(folio))
		return PageAnonExclusive(page) ? CW_OLD_EXCLUSIVE : CW_OLD_ANON;
	return CW_OLD_FILE;
}

/* The watched process a fault belongs to, with a reference, or NULL. */
static struct cw_entry *cw_fault_entry(struct vm_area_struct *vma, bool *remote)
{
	pid_t tgid;
	struct cw_entry *e;

	if (!cw_watched_count())
		return NULL;
	tgid = cw_fault_tgid(vma->vm_mm, remote);
	e = tgid ? cw_entry_get_probe(tgid) : NULL;
	/* Watched from its exec on (COWWATCH_WATCH_FROM_EXEC): not yet. */
	if (e && READ_ONCE(e->held)) {
		cw_entry_put(e);
		return NULL;
	}
	return e;
}

/*
 * What /proc/PID/maps calls an anonymous region: the brk heap and the
 * main thread's stack are named by where they lie, so the probe says so
 * while the region exists (the reader may look at maps too late).
 */
static u32 cw_anon_kind(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;

	if (vma->vm_start <= READ_ONCE(mm->brk) &&
	    vma->vm_end >= READ_ONCE(mm->start_brk))
		return COWWATCH_EVF_HEAP;
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		return COWWATCH_EVF_STACK;
	return 0;
}

/* The event of a watched process's fault, as far as its entry tells. */
static void cw_fault_fill(struct cw_inst *in, struct cw_entry *e, bool remote,
			  struct vm_area_struct *vma, unsigned long address,
			  u8 old, bool unshare, unsigned long page_size)
{
	this_cpu_inc(cw_wp_watched);

	in->task = current;
	in->vma = vma;
	in->address = address & ~(page_size - 1);
	in->copied = false;
	in->old = old;

	in->ev.entry = e;
	in->ev.time = ktime_get_ns();
	in->ev.addr = in->address;
	in->ev.ip = remote ? 0 : instruction_pointer(task_pt_regs(current));
	in->ev.vm_start = vma->vm_start;
	in->ev.vm_end = vma->vm_end;
	in->ev.vm_flags = vma->vm_flags;
	if (vma->vm_file) {
		struct inode *inode = file_inode(vma->vm_file);

		in->ev.dev = new_encode_dev(inode->i_sb->s_dev);
		in->ev.ino = inode->i_ino;
		in->ev.flags = 0;
	} else {
		in->ev.dev = 0;
		in->ev.ino = 0;
		in->ev.flags = cw_anon_kind(vma);
	}
	in->ev.file = NULL;
	in->ev.tid = current->pid;
	in->ev.page_size = page_size;
	if (remote)
		in->ev.flags |= COWWATCH_EVF_REMOTE;
	if (unshare)
		in->ev.flags |= COWWATCH_EVF_UNSHARE;
	memcpy(in->ev.comm, current->comm, sizeof(in->ev.comm));
}

/*
 * Common to do_wp_page() and hugetlb_wp() entry: fills the instance of a
 * watched process's fault and puts it in the in-flight table.
 */
static int cw_fault_begin(struct cw_inst *in, struct cw_entry *e, bool remote,
			  struct vm_area_struct *vma, unsigned long address,
			  u8 old, bool unshare, unsigned long page_size)
{
	struct cw_bucket *b;

	cw_fault_fill(in, e, remote, vma, address, old, unshare, page_size);
	in->orphan = false;
	b = cw_bucket_of(current);
	raw_spin_lock(&b->lock);
	hlist_add_head(&in->node, &b->head);
	raw_spin_unlock(&b->lock);
	return 0;
}

/*
 * At the return: the instance leaves the in-flight table. False if the
 * unload took it out already (cw_inflight_orphan()): then the fault is
 * not reported, and the caller only puts the entry reference.
 */
static bool cw_fault_unlink(struct cw_inst *in)
{
	struct cw_bucket *b = cw_bucket_of(in->task);
	bool orphan;

	raw_spin_lock(&b->lock);
	orphan = in->orphan;
	if (!orphan)
		hlist_del(&in->node);
	raw_spin_unlock(&b->lock);
	return !orphan;
}

static void cw_fault_deliver(struct cw_event *ev);

/* The fault's outcome is known: count it and hand it on. */
static void cw_fault_end(struct cw_inst *in, u32 outcome)
{
	/* The exact per-process totals: counted even if the event is lost. */
	atomic64_inc(&in->ev.entry->count[outcome]);
	in->ev.outcome = outcome;
	in->ev.cpu = smp_processor_id();
	cw_fault_deliver(&in->ev);
}

/*
 * A write to a private anonymous page that is exclusive to the process
 * (PageAnonExclusive, read under the PTE lock do_wp_page() is entered
 * with) is reused in place: do_wp_page() of 6.1, 6.12 and 7.2 goes to its
 * reuse path at once when no userfaultfd write protection is in the way.
 * Such a fault is counted at entry and needs no return probe: the most
 * frequent fault of a process that owns its memory costs no return trip.
 */
static bool cw_reused_at_entry(struct vm_area_struct *vma, u8 old)
{
	return old == CW_OLD_EXCLUSIVE &&
	       !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE | VM_UFFD_WP));
}

/* Returns 1 (no return handler) for the faults of unwatched processes. */
static int cw_wp_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vm_fault *vmf = (struct vm_fault *)regs_get_kernel_argument(regs, 0);
	struct vm_area_struct *vma = vmf->vma;
	struct cw_inst *in = (struct cw_inst *)ri->data;
	bool unshare = vmf->flags & FAULT_FLAG_UNSHARE;
	struct cw_entry *e;
	bool remote;
	u8 old;

	this_cpu_inc(cw_wp_hits);
	e = cw_fault_entry(vma, &remote);
	if (!e)
		return 1;
	old = cw_old_page(vma, vmf->orig_pte);
	if (cw_reused_at_entry(vma, old)) {
		cw_fault_fill(in, e, remote, vma, vmf->address, old, unshare,
			      PAGE_SIZE);
		in->ev.file = vma->vm_file;	/* stable: the fault holds the VMA */
		cw_fault_end(in, COWWATCH_OUT_REUSE);
		return 1;
	}
	return cw_fault_begin(in, e, remote, vma, vmf->address, old, unshare,
			      PAGE_SIZE);
}

/*
 * hugetlb_wp(): the copy-on-write of a hugetlb page. Its arguments changed
 * in 6.10 (a struct vm_fault; 6.12's and 7.2's sources agree): kmod/Kbuild
 * defines CW_HUGETLB_WP_* only for the kernels whose source was checked.
 * The old page: anonymous or hugetlbfs page cache, read under the PTE lock
 * held at entry.
 */
#if defined(CW_HUGETLB_WP_VMF)
#define CW_HUGETLB 1
static int cw_huge_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vm_fault *vmf = (struct vm_fault *)regs_get_kernel_argument(regs, 0);
	struct vm_area_struct *vma = vmf->vma;
	struct cw_entry *e;
	bool remote;

	if (!cw_watched_count())
		return 1;	/* armed from load: see cw_huge_init() */
	this_cpu_inc(cw_wp_hits);
	e = cw_fault_entry(vma, &remote);
	if (!e)
		return 1;
	return cw_fault_begin((struct cw_inst *)ri->data, e, remote, vma,
			      vmf->address,
			      PageAnon(pte_page(vmf->orig_pte)) ?
			      CW_OLD_ANON : CW_OLD_FILE,
			      vmf->flags & FAULT_FLAG_UNSHARE,
			      vma_kernel_pagesize(vma));
}
#elif defined(CW_HUGETLB_WP_V61)
#define CW_HUGETLB 1
/* hugetlb_wp(mm, vma, address, ptep, flags, pagecache_page, ptl) */
static int cw_huge_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)regs_get_kernel_argument(regs, 1);
	unsigned long address = regs_get_kernel_argument(regs, 2);
	pte_t *ptep = (pte_t *)regs_get_kernel_argument(regs, 3);
	unsigned int flags = regs_get_kernel_argument(regs, 4);
	struct cw_entry *e;
	bool remote;

	if (!cw_watched_count())
		return 1;	/* armed from load: see cw_huge_init() */
	this_cpu_inc(cw_wp_hits);
	e = cw_fault_entry(vma, &remote);
	if (!e)
		return 1;
	return cw_fault_begin((struct cw_inst *)ri->data, e, remote, vma,
			      address,
			      PageAnon(pte_page(huge_ptep_get(ptep))) ?
			      CW_OLD_ANON : CW_OLD_FILE,
			      flags & FAULT_FLAG_UNSHARE,
			      vma_kernel_pagesize(vma));
}
#endif

/*
 * do_huge_pmd_wp_page(): a write fault on a huge PMD of an anonymous VMA,
 * mapping an anonymous THP or the huge zero page (file and DAX huge PMDs
 * go to ->huge_fault instead). What it does, in 6.1, 6.12 and 7.2 alike:
 * - a THP exclusive to the process (PageAnonExclusive), or whose only
 *   reference is this mapping, is made writable whole: a "reuse" of 2 MiB;
 * - a THP still shared is split into PTEs (VM_FAULT_FALLBACK): a "split",
 *   after which the write, and each later one, comes through do_wp_page()
 *   as a 4 KiB copy;
 * - the huge zero page is split too up to 6.12 (a "split" flagged
 *   COWWATCH_EVF_HUGE_ZERO, then 4 KiB "zero" fills); from 6.13 (7.2
 *   included) a new THP takes its place (do_huge_zero_wp_pmd()): a "zero"
 *   of 2 MiB, told by the new-anon-rmap probe as for do_wp_page(), and a
 *   split only if no THP could be had.
 * The function takes the PMD lock itself and rechecks the PMD under it, so
 * unlike do_wp_page() nothing can be decided at entry: every outcome is
 * read at the return. These faults are rare (one per 2 MiB), so the
 * return trip costs nothing that shows.
 */
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
#define CW_THP 1
static int cw_thp_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vm_fault *vmf = (struct vm_fault *)regs_get_kernel_argument(regs, 0);
	struct vm_area_struct *vma = vmf->vma;
	struct cw_inst *in = (struct cw_inst *)ri->data;
	pmd_t pmd = vmf->orig_pmd;
	struct cw_entry *e;
	bool remote;
	u8 old;

	if (!cw_watched_count())
		return 1;	/* armed from load: see cw_huge_init() */
	this_cpu_inc(cw_wp_hits);
	if (!pmd_present(pmd) || !pmd_trans_huge(pmd))
		return 1;
	e = cw_fault_entry(vma, &remote);
	if (!e)
		return 1;
	/* huge_zero_pfn is not exported: the huge zero page is not anonymous. */
	old = folio_test_anon(page_folio(pmd_page(pmd))) ? CW_OLD_ANON : CW_OLD_ZERO;
	in->pmd = vmf->pmd;
	in->orig_pfn = pmd_pfn(pmd);
	return cw_fault_begin(in, e, remote, vma, vmf->address, old,
			      vmf->flags & FAULT_FLAG_UNSHARE, HPAGE_PMD_SIZE);
}

/*
 * Returned without a new page, no error and no fallback: the THP was
 * reused if the PMD now maps the same page, writable (an unshare fault
 * only marks it exclusive); otherwise the PMD changed under the fault
 * (another thread's fault, a zap), which made no page and will be
 * faulted again.
 */
static u32 cw_thp_settled(const struct cw_inst *in)
{
	/* One load on 64-bit; pmdp_get_lockless() is not in 6.1. */
	pmd_t pmd = READ_ONCE(*in->pmd);

	if (!pmd_present(pmd) || !pmd_trans_huge(pmd) ||
	    pmd_pfn(pmd) != in->orig_pfn)
		return COWWATCH_OUT_RETRY;
	if (!(in->ev.flags & COWWATCH_EVF_UNSHARE) && !pmd_write(pmd))
		return COWWATCH_OUT_RETRY;
	return COWWATCH_OUT_REUSE;
}

static int cw_thp_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct cw_inst *in = (struct cw_inst *)ri->data;
	vm_fault_t ret = (__force vm_fault_t)regs_return_value(regs);
	u32 outcome;

	if (!cw_fault_unlink(in)) {
		cw_entry_put(in->ev.entry);
		return 0;
	}
	if (in->copied) {
		outcome = COWWATCH_OUT_ZERO;	/* only the huge zero page is replaced */
	} else if (ret & VM_FAULT_FALLBACK) {
		outcome = COWWATCH_OUT_SPLIT;
		if (in->old == CW_OLD_ZERO)
			in->ev.flags |= COWWATCH_EVF_HUGE_ZERO;
	} else if (ret & VM_FAULT_ERROR) {
		outcome = COWWATCH_OUT_ERROR;
	} else if (ret & (VM_FAULT_RETRY | VM_FAULT_COMPLETED)) {
		outcome = COWWATCH_OUT_RETRY;
	} else {
		outcome = cw_thp_settled(in);
	}
	/* Anonymous VMA: no file to hold. */
	cw_fault_end(in, outcome);
	return 0;
}
#endif

static u32 cw_outcome(const struct cw_inst *in, vm_fault_t ret)
{
	if (in->copied) {
		switch (in->old) {
		case CW_OLD_ZERO:
			return COWWATCH_OUT_ZERO;
		case CW_OLD_FILE:
			return COWWATCH_OUT_FILE;
		case CW_OLD_KSM:
			return COWWATCH_OUT_KSM;
		case CW_OLD_SPECIAL:
			return in->ev.ino ? COWWATCH_OUT_FILE : COWWATCH_OUT_COPY;
		case CW_OLD_EXCLUSIVE:	/* cannot be: it was reused */
		default:
			return COWWATCH_OUT_COPY;
		}
	}
	if (ret & VM_FAULT_ERROR)
		return COWWATCH_OUT_ERROR;
	/* uffd-wp hands the fault to userspace and returns VM_FAULT_RETRY. */
	if (ret & (VM_FAULT_RETRY | VM_FAULT_COMPLETED))
		return COWWATCH_OUT_RETRY;
	/* Write-notify or pfn_mkwrite on a shared mapping: never a CoW. */
	if (in->ev.vm_flags & VM_SHARED)
		return COWWATCH_OUT_SHARED;
	/*
	 * A private page made writable in place. This also counts the rare
	 * copy abandoned because the PTE changed meanwhile (no new page is
	 * installed then either).
	 */
	return COWWATCH_OUT_REUSE;
}

/* The outcomes that made a new page: those a reader of stacks is sent stacks of. */
static bool cw_copying(u32 outcome)
{
	return outcome == COWWATCH_OUT_COPY || outcome == COWWATCH_OUT_ZERO ||
	       outcome == COWWATCH_OUT_FILE || outcome == COWWATCH_OUT_KSM;
}

/*
 * To the tables of counting readers and the rings of readers of events,
 * as the process's watchers want; drops @ev's entry reference.
 */
static void cw_fault_deliver(struct cw_event *ev)
{
	u8 modes = READ_ONCE(ev->entry->modes);

	ev->stack = CW_STACK_NONE;
	if ((modes & CW_MODE_STACKS) && cw_copying(ev->outcome)) {
		/* A remote fault's writer is another process: no stack of it. */
		if (ev->flags & COWWATCH_EVF_REMOTE)
			ev->flags |= COWWATCH_EVF_NO_STACK;
		else
			ev->stack = CW_STACK_WANTED;
	}
	if ((modes & CW_MODE_COUNTS) && !cw_count_add(ev))
		cw_entry_lost(ev->entry, false);
	if (modes & CW_MODE_EVENTS)
		cw_event_submit(ev);	/* takes over the entry reference */
	else
		cw_entry_put(ev->entry);
}

static int cw_wp_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct cw_inst *in = (struct cw_inst *)ri->data;
	vm_fault_t ret;
	u32 outcome;

	if (!cw_fault_unlink(in)) {
		cw_entry_put(in->ev.entry);
		return 0;
	}
	ret = (__force vm_fault_t)regs_return_value(regs);
	outcome = cw_outcome(in, ret);
	/*
	 * The file, for its path (the ring's copy holds a reference). Unless the
	 * fault is to be retried, the caller still holds the mmap or VMA
	 * lock: the VMA, and so its file, are still there.
	 */
	if (!(ret & (VM_FAULT_RETRY | VM_FAULT_COMPLETED)))
		in->ev.file = in->vma->vm_file;
	cw_fault_end(in, outcome);
	return 0;
}

/* page_add_new_anon_rmap(page, vma, address) or folio_...(folio, vma, address, flags) */
static int cw_rmap_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)regs_get_kernel_argument(regs, 1);
	unsigned long address = regs_get_kernel_argument(regs, 2) & PAGE_MASK;
	struct cw_bucket *b = cw_bucket_of(current);
	struct cw_inst *in;

	/* Our own record, if any, was added by this very task: no race. */
	if (hlist_empty(&b->head))
		return 0;
	raw_spin_lock(&b->lock);
	hlist_for_each_entry(in, &b->head, node) {
		if (in->task == current && in->vma == vma &&
		    in->address == address) {
			in->copied = true;
			this_cpu_inc(cw_rmap_hits);
			break;
		}
	}
	raw_spin_unlock(&b->lock);
	return 0;
}

static struct kretprobe cw_wp_probe = {
	.handler = cw_wp_return,
	.entry_handler = cw_wp_entry,
	.data_size = sizeof(struct cw_inst),
};

static struct kprobe cw_rmap_probe = {
	.pre_handler = cw_rmap_pre,
};

#ifdef CW_HUGETLB
static struct kretprobe cw_huge_probe = {
	.handler = cw_wp_return,
	.entry_handler = cw_huge_entry,
	.data_size = sizeof(struct cw_inst),
};

/* hugepage_add_new_anon_rmap(page, vma, address), hugetlb_...(folio, ...) */
static struct kprobe cw_huge_rmap_probe = {
	.pre_handler = cw_rmap_pre,
};

static bool cw_huge_on;

/*
 * Optional: without these symbols hugetlb copies are not seen, and the
 * module says so once, but works for everything else.
 *
 * The probes of rare faults (hugetlb_wp() and its new-anon-rmap call
 * here, do_huge_pmd_wp_page() below: one fault per huge page) are
 * registered armed, from load to unload, whatever idle_disarm says.
 * Arming a probe that rides on ftrace rewrites the ftrace state of every
 * traceable function (some 7 million instructions under qemu): arming all
 * five at the first WATCH was a fifth of the time cowwatch took to attach
 * to a tree of 1000 processes. With nothing watched their handlers return
 * at their first test. The probes every small-page fault hits
 * (do_wp_page() and the new-anon-rmap call of every new anonymous page)
 * still wait for a WATCH.
 */
static void cw_huge_init(void)
{
	static const char * const names[] = {
		"hugetlb_add_new_anon_rmap",	/* 6.10 and later */
		"hugepage_add_new_anon_rmap",	/* before */
	};
	unsigned int i;
	int err = -ENOENT;

	for (i = 0; i < ARRAY_SIZE(names) && err == -ENOENT; i++) {
		memset(&cw_huge_rmap_probe, 0, sizeof(cw_huge_rmap_probe));
		cw_huge_rmap_probe.pre_handler = cw_rmap_pre;
		cw_huge_rmap_probe.symbol_name = names[i];
		cw_huge_rmap_probe.flags = 0;
		err = register_kprobe(&cw_huge_rmap_probe);
	}
	if (err) {
		pr_notice("hugetlb copies not seen: no %s or %s (%d)\n",
			  names[0], names[1], err);
		return;
	}
	cw_huge_probe.kp.symbol_name = "hugetlb_wp";
	cw_huge_probe.kp.flags = 0;
	cw_huge_probe.maxactive = max(maxactive, 1);
	err = register_kretprobe(&cw_huge_probe);
	if (err) {
		pr_notice("hugetlb copies not seen: cannot probe hugetlb_wp (%d)\n",
			  err);
		unregister_kprobe(&cw_huge_rmap_probe);
		return;
	}
	cw_huge_on = true;
}

static void cw_huge_exit(void)
{
	if (!cw_huge_on)
		return;
	unregister_kretprobe(&cw_huge_probe);
	unregister_kprobe(&cw_huge_rmap_probe);
	cw_huge_on = false;
}

/* Unloading: the faults first, then their copy marker. */
static void cw_huge_disarm(void)
{
	if (!cw_huge_on)
		return;
	disable_kretprobe(&cw_huge_probe);
	disable_kprobe(&cw_huge_rmap_probe);
}
#else
static void cw_huge_init(void)
{
	pr_notice("hugetlb copies not seen: hugetlb_wp() of this kernel series is not decoded\n");
}

static void cw_huge_exit(void)
{
}

static void cw_huge_disarm(void)
{
}
#endif

#ifdef CW_THP
static struct kretprobe cw_thp_probe = {
	.handler = cw_thp_return,
	.entry_handler = cw_thp_entry,
	.data_size = sizeof(struct cw_inst),
};

static bool cw_thp_on;

/* Optional, like hugetlb: without it huge PMD write faults are not seen. */
static void cw_thp_init(void)
{
	int err;

	cw_thp_probe.kp.symbol_name = "do_huge_pmd_wp_page";
	cw_thp_probe.kp.flags = 0;
	cw_thp_probe.maxactive = max(maxactive, 1);
	err = register_kretprobe(&cw_thp_probe);
	if (err) {
		pr_notice("huge PMD write faults not seen: cannot probe do_huge_pmd_wp_page (%d)\n",
			  err);
		return;
	}
	cw_thp_on = true;
}

static void cw_thp_exit(void)
{
	if (!cw_thp_on)
		return;
	unregister_kretprobe(&cw_thp_probe);
	cw_thp_on = false;
}

static void cw_thp_disarm(void)
{
	if (cw_thp_on)
		disable_kretprobe(&cw_thp_probe);
}
#else
static void cw_thp_init(void)
{
}

static void cw_thp_exit(void)
{
}

static void cw_thp_disarm(void)
{
}
#endif

static int cw_register_rmap(const char *name)
{
	memset(&cw_rmap_probe, 0, sizeof(cw_rmap_probe));
	cw_rmap_probe.pre_handler = cw_rmap_pre;
	cw_rmap_probe.symbol_name = name;
	cw_rmap_probe.flags = cw_reg_flags();
	return register_kprobe(&cw_rmap_probe);
}

int cw_probes_init(void)
{
	static const char * const rmap_names[] = {
		"folio_add_new_anon_rmap",	/* 6.6 and later */
		"page_add_new_anon_rmap",	/* up to 6.5 */
	};
	unsigned int i;
	int err = -ENOENT;

	for (i = 0; i < ARRAY_SIZE(cw_inflight); i++) {
		raw_spin_lock_init(&cw_inflight[i].lock);
		INIT_HLIST_HEAD(&cw_inflight[i].head);
	}

	/* The copy marker first: a fault seen at entry must see its copy. */
	if (rmap_symbol) {
		cw_rmap_name = rmap_symbol;
		err = cw_register_rmap(rmap_symbol);
	} else {
		for (i = 0; i < ARRAY_SIZE(rmap_names) && err == -ENOENT; i++) {
			cw_rmap_name = rmap_names[i];
			err = cw_register_rmap(rmap_names[i]);
		}
	}
	if (err) {
		if (err == -ENOENT && rmap_symbol)
			pr_err("missing symbol: %s\n", rmap_symbol);
		else if (err == -ENOENT)
			pr_err("missing symbol: neither %s nor %s\n",
			       rmap_names[0], rmap_names[1]);
		else
			pr_err("cannot probe %s: %d\n", cw_rmap_name, err);
		return err;
	}

	cw_wp_probe.kp.symbol_name = wp_symbol;
	cw_wp_probe.kp.flags = cw_reg_flags();
	cw_wp_probe.maxactive = max(maxactive, 1);
	err = register_kretprobe(&cw_wp_probe);
	if (err) {
		if (err == -ENOENT)
			pr_err("missing symbol: %s\n", wp_symbol);
		else
			pr_err("cannot probe %s: %d\n", wp_symbol, err);
		unregister_kprobe(&cw_rmap_probe);
		return err;
	}
	pr_info("probing %s and %s %s\n", wp_symbol, cw_rmap_name,
		idle_disarm ? "while a process is watched" : "from now on");
	cw_huge_init();
	cw_thp_init();
	cw_registered = true;
	cw_armed = !idle_disarm;
	return 0;
}

/*
 * The probes of small-page faults are registered disabled and armed only
 * while something is watched: with nothing watched such a fault costs
 * nothing at all, not even a probe hit (huge-page faults: cw_huge_init()).
 * Arming (at a WATCH) and disarming (once nothing is watched) sleep, under
 * cw_arm_mutex; the caller holds the watch list's mutex, so
 * the decision and the act cannot be overtaken by another WATCH.
 */
int cw_probes_arm(void)
{
	int err = 0;

	mutex_lock(&cw_arm_mutex);
	if (!cw_registered) {
		err = -ESHUTDOWN;
		goto out;
	}
	if (cw_armed)
		goto out;
	/* The copy markers before the faults they mark. */
	err = enable_kprobe(&cw_rmap_probe);
	if (err)
		goto out;
	err = enable_kretprobe(&cw_wp_probe);
	if (err) {
		disable_kprobe(&cw_rmap_probe);
		goto out;
	}
	WRITE_ONCE(cw_armed, true);
out:
	mutex_unlock(&cw_arm_mutex);
	if (err)
		pr_err("cannot arm the probes: %d\n", err);
	return err;
}

/* Armed: something is watched (or was, until the disarm work ran). */
bool cw_probes_armed(void)
{
	return READ_ONCE(cw_armed);
}

/*
 * A fault in flight keeps its instance and return handler (the kretprobe
 * stays registered); only new faults are no longer seen.
 */
void cw_probes_disarm(void)
{
	mutex_lock(&cw_arm_mutex);
	if (cw_registered && cw_armed && idle_disarm) {
		disable_kretprobe(&cw_wp_probe);
		disable_kprobe(&cw_rmap_probe);
		WRITE_ONCE(cw_armed, false);
	}
	mutex_unlock(&cw_arm_mutex);
}

/* Unloading, first: no fault enters the in-flight table any more. */
static void cw_entries_off(void)
{
	cw_thp_disarm();
	disable_kretprobe(&cw_wp_probe);
#ifdef CW_HUGETLB
	if (cw_huge_on)
		disable_kretprobe(&cw_huge_probe);
#endif
}

static unsigned int cw_inflight_count(void)
{
	unsigned int i, n = 0;
	struct cw_inst *in;

	for (i = 0; i < ARRAY_SIZE(cw_inflight); i++) {
		raw_spin_lock(&cw_inflight[i].lock);
		hlist_for_each_entry(in, &cw_inflight[i].head, node)
			n++;
		raw_spin_unlock(&cw_inflight[i].lock);
	}
	return n;
}

/*
 * The faults in flight return, each by its return handler, and leave the
 * table; a task may wait inside do_wp_page() for as long as a
 * userfaultfd handler likes, so the wait ends once the table has not
 * shrunk for CW_INFLIGHT_STILL_MS, or after CW_INFLIGHT_MAX_MS.
 */
#define CW_INFLIGHT_STILL_MS	2000
#define CW_INFLIGHT_MAX_MS	20000

static void cw_inflight_wait(void)
{
	unsigned long start = jiffies, still = jiffies;
	unsigned int n, last = UINT_MAX;

	while ((n = cw_inflight_count())) {
		if (n != last) {
			last = n;
			still = jiffies;
		}
		if (time_after(jiffies, still + msecs_to_jiffies(CW_INFLIGHT_STILL_MS)) ||
		    time_after(jiffies, start + msecs_to_jiffies(CW_INFLIGHT_MAX_MS)))
			return;
		msleep(20);
	}
}

/* What is still in flight leaves the table now, unreported. */
static unsigned int cw_inflight_orphan(void)
{
	struct hlist_node *tmp;
	struct cw_inst *in;
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(cw_inflight); i++) {
		raw_spin_lock(&cw_inflight[i].lock);
		hlist_for_each_entry_safe(in, tmp, &cw_inflight[i].head, node) {
			in->orphan = true;
			hlist_del(&in->node);
			n++;
		}
		raw_spin_unlock(&cw_inflight[i].lock);
	}
	return n;
}

/*
 * Unregistering a kretprobe frees its rethook: a call in flight then
 * returns without our return handler, and its instance is freed a grace
 * period later. Left in cw_inflight, it would be read by the copy
 * markers and written by its neighbours' unlinking while the other
 * probes are still registered (a use-after-free that `make soak` hit on
 * 6.12). So the table is emptied first: every entry probe is disabled
 * (a disabled kretprobe still runs the return handler of a call in
 * flight: kretprobe_rethook_handler() of 6.1, 6.12 and 7.2 checks only
 * rp->handler), the entry handlers still running finish (kprobe handlers
 * run with preemption off), the faults in flight return while the copy
 * markers still mark, and whatever has not returned by then is taken out
 * of the table under its lock. Its return handler, if it still runs, sees
 * that and only drops its entry reference; if it does not, the reference
 * is lost, and cw_watch_free_all() frees the entry regardless.
 */
void cw_probes_exit(void)
{
	unsigned int orphans;

	mutex_lock(&cw_arm_mutex);
	cw_registered = false;
	cw_entries_off();
	WRITE_ONCE(cw_armed, false);
	mutex_unlock(&cw_arm_mutex);
	synchronize_rcu();
	cw_inflight_wait();
	cw_huge_disarm();
	disable_kprobe(&cw_rmap_probe);
	orphans = cw_inflight_orphan();
	if (orphans)
		pr_notice("write faults in flight at unload, not counted: %u (waiting for userfaultfd?)\n",
			  orphans);
	cw_thp_exit();
	cw_huge_exit();
	unregister_kretprobe(&cw_wp_probe);
	unregister_kprobe(&cw_rmap_probe);
}

void cw_probes_stats(u64 *wp_hits, u64 *wp_watched, u64 *rmap_hits,
		     u64 *nmissed, const char **rmap_name)
{
	int cpu;

	*wp_hits = 0;
	*wp_watched = 0;
	*rmap_hits = 0;
	for_each_possible_cpu(cpu) {
		*wp_hits += per_cpu(cw_wp_hits, cpu);
		*wp_watched += per_cpu(cw_wp_watched, cpu);
		*rmap_hits += per_cpu(cw_rmap_hits, cpu);
	}
	*nmissed = (u64)READ_ONCE(cw_wp_probe.nmissed) +
		   READ_ONCE(cw_wp_probe.kp.nmissed) +
		   READ_ONCE(cw_rmap_probe.nmissed);
#ifdef CW_HUGETLB
	*nmissed += (u64)READ_ONCE(cw_huge_probe.nmissed) +
		    READ_ONCE(cw_huge_probe.kp.nmissed) +
		    READ_ONCE(cw_huge_rmap_probe.nmissed);
#endif
#ifdef CW_THP
	*nmissed += (u64)READ_ONCE(cw_thp_probe.nmissed) +
		    READ_ONCE(cw_thp_probe.kp.nmissed);
#endif
	*rmap_name = cw_rmap_name;
}
