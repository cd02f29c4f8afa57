// SPDX-License-Identifier: GPL-2.0
/*
 * cowwatch: which processes are watched, and by whom.
 *
 * A watched process is a struct cw_entry in an RCU hash table keyed by
 * tgid: the fault path looks it up under RCU and takes a reference, with
 * no lock. Changes (WATCH, UNWATCH, fork, exit, a reader's socket closing)
 * take cw_watch_lock, a spinlock because the fork and exit tracepoints run
 * with preemption off. Readers (struct cw_watcher) are created and
 * destroyed under cw_ctl_mutex, from process context only.
 *
 * References: the hash table holds one on each entry, each event in a
 * ring one, an exited entry waiting for its EXIT message one. An entry
 * holds one on each of its watchers, and the watcher list one on each
 * watcher.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched/coredump.h>
#ifdef CW_HAVE_TASK_EXEC_STATE
#include <linux/sched/exec_state.h>
#endif
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#include "internal.h"

#define CW_HASH_BITS	8

static DEFINE_HASHTABLE(cw_hash, CW_HASH_BITS);
static DEFINE_SPINLOCK(cw_watch_lock);
static atomic_t cw_nwatched = ATOMIC_INIT(0);

/* Every entry alive, so unloading can free one a lost probe still holds. */
static LIST_HEAD(cw_all);
static DEFINE_SPINLOCK(cw_all_lock);

static LIST_HEAD(cw_watchers);
static DEFINE_MUTEX(cw_ctl_mutex);
static bool cw_closing;

static LLIST_HEAD(cw_exited);
static LLIST_HEAD(cw_notices);

static struct tracepoint *cw_tp_fork, *cw_tp_exit, *cw_tp_exec;

/* Once nothing is watched: the probes are disarmed (probes.c). */
static void cw_disarm_fn(struct work_struct *work)
{
	mutex_lock(&cw_ctl_mutex);
	/* A WATCH arms under this mutex: nothing can be added meanwhile. */
	if (!atomic_read(&cw_nwatched))
		cw_probes_disarm();
	mutex_unlock(&cw_ctl_mutex);
}

static DECLARE_WORK(cw_disarm_work, cw_disarm_fn);

struct cw_entry_all {
	struct cw_entry e;
	struct list_head all;
};

static struct cw_entry_all *cw_all_of(struct cw_entry *e)
{
	return container_of(e, struct cw_entry_all, e);
}

struct cw_watcher *cw_watcher_tryget(struct cw_watcher *w)
{
	return refcount_inc_not_zero(&w->ref) ? w : NULL;
}

/* Safe in any context but NMI: put_net() and put_pid_ns() defer. */
void cw_watcher_put(struct cw_watcher *w)
{
	if (!refcount_dec_and_test(&w->ref))
		return;
	kfree_skb(w->skb);
	put_pid_ns(w->pidns);
	put_net(w->net);
	kfree_rcu(w, rcu);
}

static void cw_entry_free(struct cw_entry *e)
{
	int i;

	for (i = 0; i < CW_MAX_WATCHERS; i++) {
		struct cw_watcher *w = rcu_dereference_protected(e->w[i], 1);

		if (w)
			cw_watcher_put(w);
	}
	put_pid(e->pid);
	put_pid(e->parent);
	kfree(cw_all_of(e));
}

static void cw_entry_free_rcu(struct rcu_head *rcu)
{
	cw_entry_free(container_of(rcu, struct cw_entry, rcu));
}

/* May run in a probe: takes only the leaf lock cw_all_lock. */
void cw_entry_put(struct cw_entry *e)
{
	if (!refcount_dec_and_test(&e->ref))
		return;
	spin_lock(&cw_all_lock);
	list_del(&cw_all_of(e)->all);
	spin_unlock(&cw_all_lock);
	/* The fault path may still be looking at it under RCU. */
	call_rcu(&e->rcu, cw_entry_free_rcu);
}

static struct cw_entry *cw_lookup(pid_t tgid)
{
	struct cw_entry *e;

	hash_for_each_possible_rcu(cw_hash, e, hnode, tgid)
		if (e->tgid == tgid)
			return e;
	return NULL;
}

/*
 * A reference on the entry of @tgid, or NULL; the caller is in an RCU
 * read-side critical section. Inlined: the probe handlers call it on
 * every watched fault.
 */
static __always_inline struct cw_entry *cw_entry_tryget(pid_t tgid)
{
	struct cw_entry *e = cw_lookup(tgid);

	return e && refcount_inc_not_zero(&e->ref) ? e : NULL;
}

/* A reference on the watched process @tgid, or NULL. */
struct cw_entry *cw_entry_get_rcu(pid_t tgid)
{
	struct cw_entry *e;

	if (!atomic_read(&cw_nwatched))
		return NULL;
	rcu_read_lock();
	e = cw_entry_tryget(tgid);
	rcu_read_unlock();
	return e;
}

/*
 * The same for the probe handlers, which run with preemption off: that is
 * an RCU read-side critical section already (the entries are freed by
 * call_rcu(), whose grace period waits for it), and with PREEMPT_RCU
 * rcu_read_lock() would be two calls on every fault.
 */
struct cw_entry *cw_entry_get_probe(pid_t tgid)
{
	lockdep_assert_preemption_disabled();
	return cw_entry_tryget(tgid);
}

static struct cw_entry *cw_entry_alloc(gfp_t gfp)
{
	struct cw_entry_all *ea = kzalloc(sizeof(*ea), gfp);

	if (!ea)
		return NULL;
	refcount_set(&ea->e.ref, 1);
	return &ea->e;
}

/* Called with cw_watch_lock held; the hash table takes @e's reference. */
static void cw_entry_insert(struct cw_entry *e)
{
	spin_lock(&cw_all_lock);
	list_add(&cw_all_of(e)->all, &cw_all);
	spin_unlock(&cw_all_lock);
	hash_add_rcu(cw_hash, &e->hnode, e->tgid);
	atomic_inc(&cw_nwatched);
}

/* Called with cw_watch_lock held; returns the hash table's reference. */
static void cw_entry_unhash(struct cw_entry *e)
{
	hash_del_rcu(&e->hnode);
	if (atomic_dec_and_test(&cw_nwatched))
		schedule_work(&cw_disarm_work);
}

/* What @e's watchers want the fault path to feed; with cw_watch_lock held. */
static void cw_entry_set_modes(struct cw_entry *e)
{
	u8 modes = 0;
	int i;

	for (i = 0; i < CW_MAX_WATCHERS; i++) {
		struct cw_watcher *w = rcu_access_pointer(e->w[i]);

		if (w)
			modes |= (w->events ? CW_MODE_EVENTS : CW_MODE_COUNTS) |
				 (w->stacks ? CW_MODE_STACKS : 0);
	}
	WRITE_ONCE(e->modes, modes);
}

/*
 * A fault of @e that its readers of events (@events) or of counts will not
 * see: a full ring or table. Any context.
 */
void cw_entry_lost(struct cw_entry *e, bool events)
{
	int i;

	atomic64_inc(&cw_lost_total);
	rcu_read_lock();
	for (i = 0; i < CW_MAX_WATCHERS; i++) {
		struct cw_watcher *w = rcu_dereference(e->w[i]);

		if (w && w->events == events)
			atomic64_inc(&w->lost);
	}
	rcu_read_unlock();
}

static bool cw_entry_has_watchers(struct cw_entry *e)
{
	int i;

	for (i = 0; i < CW_MAX_WATCHERS; i++)
		if (rcu_access_pointer(e->w[i]))
			return true;
	return false;
}

/* Drops @w from @e; with cw_watch_lock held. True if @e is now unwatched. */
static bool cw_entry_drop_watcher(struct cw_entry *e, struct cw_watcher *w)
{
	int i;

	for (i = 0; i < CW_MAX_WATCHERS; i++) {
		if (rcu_access_pointer(e->w[i]) == w) {
			RCU_INIT_POINTER(e->w[i], NULL);
			cw_watcher_put(w);
		}
	}
	cw_entry_set_modes(e);
	return !cw_entry_has_watchers(e);
}

unsigned int cw_watched_count(void)
{
	return atomic_read(&cw_nwatched);
}

struct llist_node *cw_take_exited(void)
{
	return llist_reverse_order(llist_del_all(&cw_exited));
}

struct llist_node *cw_take_notices(void)
{
	return llist_reverse_order(llist_del_all(&cw_notices));
}

/*
 * Queues @notice for @e's readers; any context. The queue holds a reference,
 * taken here. An entry is on the queue at most once: whoever turns notice
 * from 0 to non-zero queues it, and the drain work reads ->next before it
 * clears notice, so a re-queue never races with its walk of the list.
 */
static void cw_notify(struct cw_entry *e, unsigned int notice)
{
	if (atomic_fetch_or(notice, &e->notice))
		return;
	refcount_inc(&e->ref);
	llist_add(&e->notice_node, &cw_notices);
	cw_events_kick();
}

/*
 * Whether @task (whose mm is @mm) may be watched by uid match, as far as
 * its dumpability goes: dumpable by its owner, or, with @ptrace_cap, the
 * caller has CAP_SYS_PTRACE in the user namespace of its last exec. Up to
 * 7.1 both are in the mm (get_dumpable(), mm->user_ns); 7.2 moved them to
 * task->exec_state, whose accessors are not exported (the struct is
 * public, RCU protected, never NULL while the task lives). kmod/Kbuild
 * looks for linux/sched/exec_state.h in the kernel's headers.
 */
static bool cw_dumpable(struct task_struct *task, struct mm_struct *mm,
			bool ptrace_cap)
{
#ifdef CW_HAVE_TASK_EXEC_STATE
	const struct task_exec_state *es;
	bool ok;

	rcu_read_lock();
	es = rcu_dereference(task->exec_state);
	ok = es && (READ_ONCE(es->dumpable) == TASK_DUMPABLE_OWNER ||
		    (ptrace_cap && ns_capable(es->user_ns, CAP_SYS_PTRACE)));
	rcu_read_unlock();
	return ok;
#else
	return get_dumpable(mm) == SUID_DUMP_USER ||
	       (ptrace_cap && ns_capable(mm->user_ns, CAP_SYS_PTRACE));
#endif
}

/*
 * ptrace_may_access() is not exported to modules. This applies its
 * credential and dumpability rules (PTRACE_MODE_READ_FSCREDS), but not
 * the LSM hook (Yama): CAP_SYS_ADMIN, or the caller's fsuid/fsgid equal to
 * all of the target's uids/gids and a dumpable target, or CAP_SYS_PTRACE
 * in the target's user namespace.
 */
static bool cw_may_watch(struct task_struct *task)
{
	const struct cred *cred = current_cred(), *tcred;
	struct mm_struct *mm;
	bool ok;

	if (capable(CAP_SYS_ADMIN))
		return true;
	rcu_read_lock();
	tcred = __task_cred(task);
	ok = (uid_eq(cred->fsuid, tcred->euid) &&
	      uid_eq(cred->fsuid, tcred->suid) &&
	      uid_eq(cred->fsuid, tcred->uid) &&
	      gid_eq(cred->fsgid, tcred->egid) &&
	      gid_eq(cred->fsgid, tcred->sgid) &&
	      gid_eq(cred->fsgid, tcred->gid)) ||
	     ns_capable(tcred->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	if (!ok)
		return false;
	mm = get_task_mm(task);
	if (mm) {
		if (!cw_dumpable(task, mm, true))
			ok = false;
		mmput(mm);
	}
	return ok;
}

/* With cw_ctl_mutex held. */
static struct cw_watcher *cw_watcher_find(struct net *net, u32 portid)
{
	struct cw_watcher *w;

	list_for_each_entry(w, &cw_watchers, node)
		if (net_eq(w->net, net) && w->portid == portid)
			return w;
	return NULL;
}

/*
 * The reader of @portid, created at its first WATCH, which decides whether
 * it wants events (then the rings are made, if they were not yet) or
 * counts, and with events, stacks (the sample rings, likewise).
 */
static struct cw_watcher *cw_watcher_get_or_create(struct net *net, u32 portid,
						   u32 flags, int *err)
{
	struct cw_watcher *w = cw_watcher_find(net, portid);
	bool events = flags & COWWATCH_WATCH_EVENTS;
	bool stacks = flags & COWWATCH_WATCH_STACKS;

	*err = 0;
	if (stacks && !events) {
		*err = -EINVAL;
		return NULL;
	}
	if (w) {
		if (w->events != events || w->stacks != stacks)
			*err = -EINVAL;
		return *err ? NULL : w;
	}
	*err = events ? cw_events_want_rings() : 0;
	if (!*err && stacks)
		*err = cw_stacks_want();
	if (*err)
		return NULL;
	*err = -ENOMEM;
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return NULL;
	*err = 0;
	w->events = events;
	w->stacks = stacks;
	refcount_set(&w->ref, 1);	/* the list's */
	w->net = get_net(net);
	w->portid = portid;
	w->pidns = get_pid_ns(task_active_pid_ns(current));
	w->privileged = capable(CAP_SYS_ADMIN);
	atomic64_set(&w->lost, 0);
	INIT_LIST_HEAD(&w->flush_node);
	skb_queue_head_init(&w->backlog);
	INIT_LIST_HEAD(&w->backlog_node);
	list_add(&w->node, &cw_watchers);
	return w;
}

/*
 * Adds @task's thread group to the reader's watch list: 0, -EALREADY if the
 * reader watches it already, or another -errno. With
 * COWWATCH_WATCH_FROM_EXEC in @flags, a process nobody watched yet is held
 * (not counted) until its next exec.
 */
static int cw_watch_task(struct net *net, u32 portid, struct task_struct *task,
			 u32 flags)
{
	struct cw_entry *e, *fresh = NULL;
	struct cw_watcher *w;
	int err = 0, i, slot = -1;

	mutex_lock(&cw_ctl_mutex);
	if (cw_closing) {
		err = -ESHUTDOWN;
		goto out_unlock;
	}
	w = cw_watcher_get_or_create(net, portid, flags, &err);
	if (err)
		goto out_unlock;
	fresh = cw_entry_alloc(GFP_KERNEL);
	if (!fresh) {
		err = -ENOMEM;
		goto out_unlock;
	}
	/* Before the entry exists: its first fault after this must be seen. */
	err = cw_probes_arm();
	if (err)
		goto out_unlock;

	spin_lock(&cw_watch_lock);
	/*
	 * The exit tracepoint runs after signal->live dropped to zero and
	 * takes this lock: an entry added while live > 0 is seen by it.
	 */
	if (!atomic_read(&task->signal->live)) {
		err = -ESRCH;
		goto out_spin;
	}
	e = cw_lookup(task->tgid);
	if (!e) {
		e = fresh;
		fresh = NULL;
		e->tgid = task->tgid;
		e->pid = get_pid(task_tgid(task));
		e->held = flags & COWWATCH_WATCH_FROM_EXEC;
		cw_entry_insert(e);
	}
	for (i = 0; i < CW_MAX_WATCHERS; i++) {
		struct cw_watcher *cur = rcu_access_pointer(e->w[i]);

		if (cur == w) {
			err = -EALREADY;	/* already watching it */
			goto out_spin;
		}
		if (!cur && slot < 0)
			slot = i;
	}
	if (slot < 0) {
		err = -EBUSY;
		goto out_spin;
	}
	refcount_inc(&w->ref);
	rcu_assign_pointer(e->w[slot], w);
	cw_entry_set_modes(e);
out_spin:
	spin_unlock(&cw_watch_lock);
	/*
	 * Armed above for an entry that was not added (the process was
	 * exiting): with nothing else watched, nothing would disarm them.
	 */
	if (err && !atomic_read(&cw_nwatched))
		cw_probes_disarm();
out_unlock:
	mutex_unlock(&cw_ctl_mutex);
	kfree(fresh ? cw_all_of(fresh) : NULL);
	return err;
}

/* Looks for descendants not yet watched at most this many times a WATCH. */
#define CW_DESCENDANT_LOOKS	16

static bool cw_descends_from(struct task_struct *p, struct task_struct *root)
{
	struct task_struct *t = p;

	while (t->pid > 1) {
		t = rcu_dereference(t->real_parent);
		if (same_thread_group(t, root))
			return true;
	}
	return false;
}

/* Under RCU: does reader @w watch process @tgid? */
static bool cw_watched_by(pid_t tgid, const struct cw_watcher *w)
{
	struct cw_entry *e = cw_lookup(tgid);
	int i;

	for (i = 0; e && i < CW_MAX_WATCHERS; i++)
		if (rcu_access_pointer(e->w[i]) == w)
			return true;
	return false;
}

/*
 * Up to @max processes below @root that @w does not watch and @ns shows,
 * into @pids (with references): their number. Not the reader itself
 * (`cowwatch $$` is a child of the shell it watches): watching its own
 * writes of what it reports would feed on itself.
 */
static unsigned int cw_unwatched_below(struct task_struct *root,
				       const struct cw_watcher *w,
				       struct pid_namespace *ns,
				       struct pid **pids, unsigned int max)
{
	struct task_struct *p;
	unsigned int n = 0;

	rcu_read_lock();
	for_each_process(p) {
		if (n == max)
			break;
		if (!same_thread_group(p, root) &&
		    !same_thread_group(p, current) &&
		    cw_descends_from(p, root) && task_tgid_nr_ns(p, ns) &&
		    !cw_watched_by(p->tgid, w))
			pids[n++] = get_pid(task_tgid(p));
	}
	rcu_read_unlock();
	return n;
}

/* The record of @p, just watched, for the reader of pid namespace @ns. */
static void cw_found_fill(struct cowwatch_found *f, struct task_struct *p,
			  struct pid_namespace *ns)
{
	struct mm_struct *mm;

	memset(f, 0, sizeof(*f));
	f->pid = task_tgid_nr_ns(p, ns);
	rcu_read_lock();
	f->ppid = task_tgid_nr_ns(rcu_dereference(p->real_parent), ns);
	rcu_read_unlock();
	strscpy_pad(f->comm, p->comm, sizeof(f->comm));
	mm = get_task_mm(p);
	if (mm) {
		f->vsize = (u64)READ_ONCE(mm->total_vm) << PAGE_SHIFT;
		mmput(mm);
	}
}

/* Watches the process of @pid if the caller may: true if watched anew. */
static bool cw_watch_found(struct net *net, u32 portid, struct pid *pid,
			   u32 flags, struct cowwatch_found *f,
			   struct pid_namespace *ns)
{
	struct task_struct *p = get_pid_task(pid, PIDTYPE_PID);
	bool added = false;

	if (!p)
		return false;
	if (cw_may_watch(p) && !cw_watch_task(net, portid, p, flags)) {
		cw_found_fill(f, p, ns);
		added = true;
	}
	put_task_struct(p);
	return added;
}

/*
 * The processes below @root that the caller may watch, into @found. A
 * process forked by one of them before its parent was watched is found by
 * the next look; one forked after is followed at its fork. Looks end
 * when one watches nothing new, or @found is full: found->more then asks
 * the reader to send the WATCH again.
 */
static void cw_watch_descendants(struct net *net, u32 portid,
				 struct task_struct *root, u32 flags,
				 struct cw_found *found)
{
	unsigned int look, n, i, added;
	const struct cw_watcher *w;
	struct pid_namespace *ns;
	struct pid **pids;

	mutex_lock(&cw_ctl_mutex);
	w = cw_watcher_find(net, portid);
	mutex_unlock(&cw_ctl_mutex);
	/* Our own request holds the port: @w stays until it returns. */
	if (!w)
		return;
	/* The namespace the reader's events and notices name pids in. */
	ns = w->pidns;
	pids = kmalloc_array(COWWATCH_FOUND_MAX, sizeof(*pids), GFP_KERNEL);
	if (!pids)
		return;
	flags &= COWWATCH_WATCH_EVENTS | COWWATCH_WATCH_STACKS;
	for (look = 0; look < CW_DESCENDANT_LOOKS; look++) {
		n = cw_unwatched_below(root, w, ns, pids,
				       COWWATCH_FOUND_MAX - found->n);
		added = 0;
		for (i = 0; i < n; i++) {
			if (cw_watch_found(net, portid, pids[i], flags,
					   &found->v[found->n], ns)) {
				found->n++;
				added++;
			}
			put_pid(pids[i]);
		}
		if (found->n == COWWATCH_FOUND_MAX) {
			found->more = true;
			break;
		}
		if (!added)
			break;
	}
	kfree(pids);
}

/* The task @vnr names in the caller's pid namespace, with a reference. */
static struct task_struct *cw_get_task(pid_t vnr)
{
	struct pid *pid = vnr > 0 ? find_get_pid(vnr) : NULL;
	struct task_struct *task = get_pid_task(pid, PIDTYPE_PID);

	put_pid(pid);
	return task;
}

/*
 * WATCH: @vnr in the caller's pid namespace; the caller is the reader.
 * With COWWATCH_WATCH_DESCENDANTS, @found gets the descendants watched.
 */
int cw_watch_add(struct net *net, u32 portid, pid_t vnr, u32 flags,
		 struct cw_found *found)
{
	struct task_struct *task;
	int err;

	task = cw_get_task(vnr);
	if (!task)
		return -ESRCH;
	/* No user memory, no copy-on-write: -EINVAL, as the reader says too. */
	if (task->flags & PF_KTHREAD) {
		err = -EINVAL;
		goto out;
	}
	if (!cw_may_watch(task)) {
		err = -EPERM;
		goto out;
	}
	err = cw_watch_task(net, portid, task, flags);
	if (err == -EALREADY)
		err = 0;
	if (!err && (flags & COWWATCH_WATCH_DESCENDANTS) && found)
		cw_watch_descendants(net, portid, task, flags, found);
out:
	put_task_struct(task);
	return err;
}

/* UNWATCH: the process stops being watched by this reader. */
int cw_watch_del(struct net *net, u32 portid, pid_t vnr)
{
	struct cw_entry *e, *gone = NULL;
	struct task_struct *task;
	struct cw_watcher *w;
	int err = -ENOENT, i;

	task = cw_get_task(vnr);
	if (!task)
		return -ESRCH;

	mutex_lock(&cw_ctl_mutex);
	w = cw_watcher_find(net, portid);
	spin_lock(&cw_watch_lock);
	e = w ? cw_lookup(task->tgid) : NULL;
	if (e) {
		for (i = 0; i < CW_MAX_WATCHERS; i++)
			if (rcu_access_pointer(e->w[i]) == w)
				err = 0;
		if (!err && cw_entry_drop_watcher(e, w)) {
			cw_entry_unhash(e);
			gone = e;
		}
	}
	spin_unlock(&cw_watch_lock);
	mutex_unlock(&cw_ctl_mutex);
	if (gone)
		cw_entry_put(gone);
	put_task_struct(task);
	return err;
}

/* The reader's socket closed (NETLINK_URELEASE): forget the reader. */
void cw_watcher_release_port(struct net *net, u32 portid)
{
	struct cw_entry *e;
	struct hlist_node *tmp;
	struct cw_watcher *w;
	int bkt;

	mutex_lock(&cw_ctl_mutex);
	w = cw_watcher_find(net, portid);
	if (!w) {
		mutex_unlock(&cw_ctl_mutex);
		return;
	}
	list_del(&w->node);
	/* A new socket may get the port: its backlog is not for that one. */
	WRITE_ONCE(w->released, true);
	spin_lock(&cw_watch_lock);
	hash_for_each_safe(cw_hash, bkt, tmp, e, hnode) {
		if (cw_entry_drop_watcher(e, w)) {
			cw_entry_unhash(e);
			cw_entry_put(e);
		}
	}
	spin_unlock(&cw_watch_lock);
	mutex_unlock(&cw_ctl_mutex);
	cw_watcher_put(w);
}

/* Unloading: no new readers from now on; tell the others we are going. */
void cw_watch_close(void)
{
	struct cw_watcher *w;

	mutex_lock(&cw_ctl_mutex);
	cw_closing = true;
	list_for_each_entry(w, &cw_watchers, node)
		cw_nl_send_gone(w);
	mutex_unlock(&cw_ctl_mutex);
}

/*
 * sched_process_fork runs in the parent after copy_process() and before
 * wake_up_new_task(): the child cannot fault before it is watched.
 * Threads (same tgid) are already covered by their group's entry.
 * Preemption is off here: GFP_ATOMIC.
 */
static void cw_on_fork(void *data, struct task_struct *parent,
		       struct task_struct *child)
{
	struct cw_entry *pe, *e;
	int i;

	if (child->tgid == parent->tgid || !atomic_read(&cw_nwatched))
		return;
	rcu_read_lock();
	pe = cw_lookup(parent->tgid);
	rcu_read_unlock();
	if (!pe)
		return;
	e = cw_entry_alloc(GFP_ATOMIC);
	if (!e) {
		pr_warn_ratelimited("no memory to follow fork of %d\n",
				    child->tgid);
		return;
	}
	e->tgid = child->tgid;
	e->pid = get_pid(task_tgid(child));
	e->parent = get_pid(task_tgid(parent));
	e->fork_ns = ktime_get_ns();
	strscpy(e->fork_comm, child->comm, sizeof(e->fork_comm));
	spin_lock(&cw_watch_lock);
	pe = cw_lookup(parent->tgid);
	if (pe && !cw_lookup(child->tgid)) {
		for (i = 0; i < CW_MAX_WATCHERS; i++) {
			struct cw_watcher *w = rcu_dereference_protected(pe->w[i],
				lockdep_is_held(&cw_watch_lock));

			if (w) {
				refcount_inc(&w->ref);
				RCU_INIT_POINTER(e->w[i], w);
			}
		}
		cw_entry_set_modes(e);
		cw_entry_insert(e);
		/* Queued under the lock: the child's EXIT cannot come first. */
		cw_notify(e, CW_NOTICE_FORK);
		e = NULL;
	}
	spin_unlock(&cw_watch_lock);
	if (e) {
		put_pid(e->pid);
		put_pid(e->parent);
		kfree(cw_all_of(e));
	}
}

/* After an exec the comm is set: readers learn that the memory map is new. */
static void cw_exec_notify(struct task_struct *p)
{
	struct cw_entry *e = cw_entry_get_rcu(p->tgid);

	if (!e)
		return;
	e->exec_ns = ktime_get_ns();
	strscpy(e->comm, p->comm, sizeof(e->comm));
	/* The new program runs after this: its faults count. */
	WRITE_ONCE(e->held, false);
	cw_notify(e, CW_NOTICE_EXEC);
	cw_entry_put(e);
}

/*
 * sched_process_exit runs in do_exit() after exit_mm(). Once the group's
 * live count is zero no thread of it returns to user mode: queue the EXIT
 * message, which carries the entry's final counters.
 */
static void cw_on_exit(void *data, struct task_struct *p)
{
	struct cw_entry *e;

	if (!atomic_read(&cw_nwatched) || atomic_read(&p->signal->live))
		return;
	spin_lock(&cw_watch_lock);
	e = cw_lookup(p->tgid);
	if (e)
		cw_entry_unhash(e);
	spin_unlock(&cw_watch_lock);
	if (e) {
		e->exit_ns = ktime_get_ns();
		/* The leader is not reaped before its last thread: still there. */
		strscpy(e->exit_comm, p->group_leader->comm, sizeof(e->exit_comm));
		llist_add(&e->exit_node, &cw_exited);	/* takes the reference */
		cw_events_kick();
	}
}

/*
 * An exec that changed credentials (setuid, file capabilities) left the
 * mm not dumpable: as ptrace would, readers that were allowed in only by
 * matching credentials lose the process (its events carry addresses).
 */
static void cw_exec_check_creds(struct task_struct *p)
{
	struct cw_entry *e;
	int i;

	if (!atomic_read(&cw_nwatched) || !p->mm ||
	    cw_dumpable(p, p->mm, false))
		return;
	spin_lock(&cw_watch_lock);
	e = cw_lookup(p->tgid);
	if (e) {
		for (i = 0; i < CW_MAX_WATCHERS; i++) {
			struct cw_watcher *w = rcu_dereference_protected(e->w[i],
				lockdep_is_held(&cw_watch_lock));

			if (w && !w->privileged && cw_entry_drop_watcher(e, w)) {
				cw_entry_unhash(e);
				cw_entry_put(e);
				break;
			}
		}
	}
	spin_unlock(&cw_watch_lock);
}

/* sched_process_exec runs once the new program is set up, before it runs. */
static void cw_on_exec(void *data, struct task_struct *p, pid_t old_pid,
		       struct linux_binprm *bprm)
{
	cw_exec_check_creds(p);
	cw_exec_notify(p);
}

static void cw_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_fork"))
		cw_tp_fork = tp;
	else if (!strcmp(tp->name, "sched_process_exit"))
		cw_tp_exit = tp;
	else if (!strcmp(tp->name, "sched_process_exec"))
		cw_tp_exec = tp;
}

int cw_watch_init(void)
{
	int err;

	for_each_kernel_tracepoint(cw_find_tp, NULL);
	if (!cw_tp_fork || !cw_tp_exit || !cw_tp_exec) {
		pr_err("missing tracepoint: %s\n",
		       !cw_tp_fork ? "sched_process_fork" :
		       !cw_tp_exit ? "sched_process_exit" : "sched_process_exec");
		return -ENOENT;
	}
	err = tracepoint_probe_register(cw_tp_fork, cw_on_fork, NULL);
	if (err) {
		pr_err("cannot attach to sched_process_fork: %d\n", err);
		return err;
	}
	err = tracepoint_probe_register(cw_tp_exit, cw_on_exit, NULL);
	if (err) {
		pr_err("cannot attach to sched_process_exit: %d\n", err);
		goto out_fork;
	}
	err = tracepoint_probe_register(cw_tp_exec, cw_on_exec, NULL);
	if (err) {
		pr_err("cannot attach to sched_process_exec: %d\n", err);
		goto out_exit;
	}
	return 0;

out_exit:
	tracepoint_probe_unregister(cw_tp_exit, cw_on_exit, NULL);
out_fork:
	tracepoint_probe_unregister(cw_tp_fork, cw_on_fork, NULL);
	tracepoint_synchronize_unregister();
	return err;
}

/* Detaches from fork, exec and exit; no handler runs once this returns. */
void cw_watch_exit(void)
{
	tracepoint_probe_unregister(cw_tp_exec, cw_on_exec, NULL);
	tracepoint_probe_unregister(cw_tp_exit, cw_on_exit, NULL);
	tracepoint_probe_unregister(cw_tp_fork, cw_on_fork, NULL);
	tracepoint_synchronize_unregister();
}

/* Unloading, after probes, tracepoints, drain work and netlink are gone. */
void cw_watch_free_all(void)
{
	struct cw_watcher *w, *wtmp;
	struct cw_entry_all *ea, *etmp;
	struct llist_node *n;
	struct cw_entry *e;
	struct hlist_node *tmp;
	LIST_HEAD(watchers);
	int bkt;

	mutex_lock(&cw_ctl_mutex);
	cw_closing = true;
	list_splice_init(&cw_watchers, &watchers);
	mutex_unlock(&cw_ctl_mutex);

	n = cw_take_exited();
	while (n) {
		e = llist_entry(n, struct cw_entry, exit_node);
		n = n->next;
		cw_entry_put(e);
	}
	n = cw_take_notices();
	while (n) {
		e = llist_entry(n, struct cw_entry, notice_node);
		n = n->next;
		cw_entry_put(e);
	}
	spin_lock(&cw_watch_lock);
	hash_for_each_safe(cw_hash, bkt, tmp, e, hnode) {
		cw_entry_unhash(e);
		cw_entry_put(e);
	}
	spin_unlock(&cw_watch_lock);
	list_for_each_entry_safe(w, wtmp, &watchers, node) {
		list_del(&w->node);
		cw_watcher_put(w);
	}
	/* Nothing schedules it any more: netlink and the tracepoints are gone. */
	cancel_work_sync(&cw_disarm_work);
	rcu_barrier();	/* cw_entry_free_rcu() is module code */
	/* Left: entries whose reference a probe took and never returned. */
	list_for_each_entry_safe(ea, etmp, &cw_all, all) {
		list_del(&ea->all);
		cw_entry_free(&ea->e);
	}
}
