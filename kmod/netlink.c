// SPDX-License-Identifier: GPL-2.0
/*
 * cowwatch: the generic netlink family "cowwatch".
 *
 * Requests come from readers; events go back by unicast to the port of
 * each reader of the process, packed many to a message (about a page),
 * numbered per reader, always from process context (the drain work) with
 * GFP_KERNEL, never from a probe. A reader whose socket closes is
 * forgotten through the netlink release notifier.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dcache.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <net/genetlink.h>

#include "internal.h"

static const struct nla_policy cw_policy[COWWATCH_A_MAX + 1] = {
	[COWWATCH_A_PID] = { .type = NLA_U32 },
	[COWWATCH_A_WATCH_FLAGS] = NLA_POLICY_MASK(NLA_U32,
						   COWWATCH_WATCH_DESCENDANTS |
						   COWWATCH_WATCH_FROM_EXEC |
						   COWWATCH_WATCH_EVENTS |
						   COWWATCH_WATCH_STACKS),
};

/* d_path()'s buffer: only the drain work (one at a time) names files. */
static char cw_path_buf[PATH_MAX];

static int cw_nl_watch(struct sk_buff *skb, struct genl_info *info);
static int cw_nl_unwatch(struct sk_buff *skb, struct genl_info *info);
static int cw_nl_get_stats(struct sk_buff *skb, struct genl_info *info);

/*
 * No GENL_ADMIN_PERM: a user may watch their own processes. WATCH checks
 * the caller's right to the target itself (watch.c).
 */
static const struct genl_ops cw_ops[] = {
	{ .cmd = COWWATCH_CMD_WATCH, .doit = cw_nl_watch },
	{ .cmd = COWWATCH_CMD_UNWATCH, .doit = cw_nl_unwatch },
	{ .cmd = COWWATCH_CMD_GET_STATS, .doit = cw_nl_get_stats },
};

/*
 * A build for the reader's test of a protocol mismatch (tests/variants/)
 * announces another version; the real module always announces its own.
 */
#ifdef COWWATCH_SELFTEST_FAMILY_VERSION
#define CW_FAMILY_VERSION	COWWATCH_SELFTEST_FAMILY_VERSION
#else
#define CW_FAMILY_VERSION	COWWATCH_GENL_VERSION
#endif

static struct genl_family cw_family __ro_after_init = {
	.name = COWWATCH_GENL_NAME,
	.version = CW_FAMILY_VERSION,
	.maxattr = COWWATCH_A_MAX,
	.policy = cw_policy,
	.module = THIS_MODULE,
	.ops = cw_ops,
	.n_ops = ARRAY_SIZE(cw_ops),
	/* resv_start_op 0: strict validation for every command (new family) */
};

static int cw_nl_pid(struct genl_info *info, pid_t *pid)
{
	if (!info->attrs[COWWATCH_A_PID]) {
		GENL_SET_ERR_MSG(info, "missing COWWATCH_A_PID");
		return -EINVAL;
	}
	*pid = nla_get_u32(info->attrs[COWWATCH_A_PID]);
	return 0;
}

/*
 * The reply of a WATCH with COWWATCH_WATCH_DESCENDANTS: the processes it
 * watched anew, in one message of at most 8 KiB (COWWATCH_FOUND_MAX),
 * which the reader's socket has room for (its request is in flight).
 */
static int cw_nl_reply_found(struct genl_info *info, const struct cw_found *found)
{
	size_t len = found->n * sizeof(*found->v);
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(nla_total_size(len) + nla_total_size(0), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &cw_family, 0, COWWATCH_CMD_WATCH);
	if (!hdr || nla_put(msg, COWWATCH_A_FOUND, len, found->v) ||
	    (found->more && nla_put_flag(msg, COWWATCH_A_MORE))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int cw_nl_watch(struct sk_buff *skb, struct genl_info *info)
{
	struct cw_found found = { 0 };
	u32 flags = 0;
	pid_t pid;
	int err = cw_nl_pid(info, &pid);

	if (err)
		return err;
	if (info->attrs[COWWATCH_A_WATCH_FLAGS])
		flags = nla_get_u32(info->attrs[COWWATCH_A_WATCH_FLAGS]);
	if (flags & COWWATCH_WATCH_DESCENDANTS) {
		found.v = kvmalloc_array(COWWATCH_FOUND_MAX, sizeof(*found.v),
					 GFP_KERNEL);
		if (!found.v)
			return -ENOMEM;
	}
	err = cw_watch_add(genl_info_net(info), info->snd_portid, pid, flags,
			   &found);
	if (!err && found.v)
		err = cw_nl_reply_found(info, &found);
	kvfree(found.v);
	return err;
}

static int cw_nl_unwatch(struct sk_buff *skb, struct genl_info *info)
{
	pid_t pid;
	int err = cw_nl_pid(info, &pid);

	if (err)
		return err;
	return cw_watch_del(genl_info_net(info), info->snd_portid, pid);
}

static int cw_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	u64 hits, watched, rmap, nmissed;
	const char *rmap_name;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &cw_family, 0, COWWATCH_CMD_GET_STATS);
	if (!hdr)
		goto nospace;
	cw_probes_stats(&hits, &watched, &rmap, &nmissed, &rmap_name);
	if (nla_put_u64_64bit(msg, COWWATCH_A_STAT_WP_HITS, hits, COWWATCH_A_PAD) ||
	    nla_put_u64_64bit(msg, COWWATCH_A_STAT_WP_WATCHED, watched, COWWATCH_A_PAD) ||
	    nla_put_u64_64bit(msg, COWWATCH_A_STAT_RMAP_HITS, rmap, COWWATCH_A_PAD) ||
	    nla_put_u64_64bit(msg, COWWATCH_A_STAT_NMISSED, nmissed, COWWATCH_A_PAD) ||
	    nla_put_u64_64bit(msg, COWWATCH_A_STAT_LOST,
			      atomic64_read(&cw_lost_total), COWWATCH_A_PAD) ||
	    nla_put_u32(msg, COWWATCH_A_STAT_WATCHED, cw_watched_count()) ||
	    nla_put_u32(msg, COWWATCH_A_STAT_ARMED, cw_probes_armed()) ||
	    nla_put_u64_64bit(msg, COWWATCH_A_STAT_BYTES_PER_CPU,
			      cw_counts_bytes_per_cpu() +
			      cw_events_bytes_per_cpu() +
			      cw_stacks_bytes_per_cpu(), COWWATCH_A_PAD) ||
	    nla_put_string(msg, COWWATCH_A_STAT_RMAP_SYMBOL, rmap_name))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * Notifications a reader must not miss (FORK, EXEC, EXIT, GONE) wait in
 * its backlog while its socket is full, and go out in order once it has
 * room: the drain tries again every CW_BACKLOG_DELAY. Events and counts
 * made meanwhile are dropped (and counted lost) rather than sent ahead of
 * them, so a reader gets what it gets in the order it was made, and the
 * sequence number, given as the socket takes a message, has a gap exactly
 * where one was dropped. A backlog is bounded (a reader stopped for good):
 * past CW_BACKLOG_MAX a notification is dropped, and its gap shows.
 */
#define CW_BACKLOG_MAX		4096

/* Watchers with a backlog, each holding a reference: drain work only. */
static LIST_HEAD(cw_backlogged);

static void cw_nl_set_seq(struct sk_buff *skb, u32 seq)
{
	struct nlattr *a = nlmsg_find_attr(nlmsg_hdr(skb), GENL_HDRLEN,
					   COWWATCH_A_SEQ);

	if (a)
		*(u32 *)nla_data(a) = seq;
}

/*
 * Gives a copy of the ended message @skb to @w's socket as its next
 * notification; @skb stays ours. -EAGAIN: no room (or no memory) now.
 */
static int cw_nl_deliver(struct cw_watcher *w, struct sk_buff *skb)
{
	struct sk_buff *copy;
	int err;

	cw_nl_set_seq(skb, w->seq);
	/* netlink frees what it cannot queue: a clone goes, sharing the data. */
	copy = skb_clone(skb, GFP_KERNEL);
	if (!copy)
		return -EAGAIN;
	err = genlmsg_unicast(w->net, copy, w->portid);
	if (err != -EAGAIN)
		w->seq++;
	return err;
}

/* Drain work only: sends what waits in @w's backlog; false if some still does. */
static bool cw_nl_backlog_try(struct cw_watcher *w)
{
	struct sk_buff *skb;
	int err;

	while ((skb = skb_peek(&w->backlog))) {
		if (READ_ONCE(w->released)) {
			__skb_queue_purge(&w->backlog);
			break;
		}
		err = cw_nl_deliver(w, skb);
		if (err == -EAGAIN)
			return false;
		__skb_unlink(skb, &w->backlog);
		consume_skb(skb);
		if (err == -ECONNREFUSED)	/* the socket is gone */
			__skb_queue_purge(&w->backlog);
	}
	return true;
}

/* Drain work only: notification @skb to @w, after what waits before it. */
static void cw_nl_send(struct cw_watcher *w, struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
	if (READ_ONCE(w->released)) {
		nlmsg_free(skb);
		return;
	}
	if (skb_queue_len(&w->backlog) >= CW_BACKLOG_MAX) {
		nlmsg_free(skb);
		w->seq++;
		return;
	}
	__skb_queue_tail(&w->backlog, skb);
	if (cw_nl_backlog_try(w) || !list_empty(&w->backlog_node))
		return;
	refcount_inc(&w->ref);	/* the caller holds one */
	list_add_tail(&w->backlog_node, &cw_backlogged);
}

/* Drain work only: does a backlog wait? */
bool cw_nl_backlogged(void)
{
	return !list_empty(&cw_backlogged);
}

/* Drain work only: tries each backlog again; true if one still waits. */
bool cw_nl_backlogs_retry(void)
{
	struct cw_watcher *w, *tmp;

	list_for_each_entry_safe(w, tmp, &cw_backlogged, backlog_node) {
		if (!cw_nl_backlog_try(w))
			continue;
		list_del_init(&w->backlog_node);
		cw_watcher_put(w);
	}
	return cw_nl_backlogged();
}

/*
 * Unloading, after the last drain and the GONE messages: a reader that is
 * only behind gets a second to take its backlog; what is left then is
 * dropped (its reader sees no GONE and learns from the family's going).
 */
void cw_nl_backlogs_finish(void)
{
	struct cw_watcher *w, *tmp;
	unsigned int dropped = 0;
	int tries;

	for (tries = 0; tries < 50 && cw_nl_backlogs_retry(); tries++)
		msleep(20);
	list_for_each_entry_safe(w, tmp, &cw_backlogged, backlog_node) {
		dropped += skb_queue_len(&w->backlog);
		__skb_queue_purge(&w->backlog);
		list_del_init(&w->backlog_node);
		cw_watcher_put(w);
	}
	if (dropped)
		pr_notice("notifications for readers not reading at unload, dropped: %u\n",
			  dropped);
}

/* Drain work only: sends @w's pending events message, if any. */
void cw_nl_flush(struct cw_watcher *w)
{
	struct sk_buff *skb = w->skb;
	int err;

	if (!skb)
		return;
	w->skb = NULL;
	w->records = NULL;
	if (nla_put_u64_64bit(skb, COWWATCH_A_LOST, atomic64_read(&w->lost),
			      COWWATCH_A_PAD)) {
		/* Cannot happen: room for it is kept free (see below). */
		nlmsg_free(skb);
		atomic64_add(w->nevents, &w->lost);
		return;
	}
	genlmsg_end(skb, w->hdr);
	if (cw_nl_backlog_try(w)) {
		cw_nl_set_seq(skb, w->seq++);
		err = genlmsg_unicast(w->net, skb, w->portid);
	} else {	/* not before the notifications waiting for room */
		nlmsg_free(skb);
		w->seq++;
		err = -EAGAIN;
	}
	if (err) {	/* socket full or gone: the reader sees the seq gap */
		atomic64_add(w->nevents, &w->lost);
		/* Paths may have gone with it: send each again. */
		memset(w->named, 0, sizeof(w->named));
	}
}

static struct cw_named *cw_named_slot(struct cw_watcher *w, u32 dev, u64 ino)
{
	return &w->named[hash_64(ino ^ ((u64)dev << 32), CW_NAMED_BITS)];
}

/*
 * The path of @file (device @dev, inode @ino) if @w was not sent it
 * lately, else NULL. As /proc/PID/maps shows it: d_path() from the init
 * task's root (the drain is a kernel thread), " (deleted)" once the file
 * is unlinked.
 */
static const char *cw_file_path(struct cw_watcher *w, struct file *file,
				u32 dev, u64 ino)
{
	struct cw_named *slot;
	char *path;

	if (!file)
		return NULL;
	slot = cw_named_slot(w, dev, ino);
	if (slot->ino == ino && slot->dev == dev &&
	    slot->generation == file_inode(file)->i_generation)
		return NULL;
	path = d_path(&file->f_path, cw_path_buf, sizeof(cw_path_buf));
	return IS_ERR(path) ? NULL : path;
}

/* @w was sent @file's path. */
static void cw_file_named(struct cw_watcher *w, struct file *file, u32 dev,
			  u64 ino)
{
	struct cw_named *slot = cw_named_slot(w, dev, ino);

	slot->ino = ino;
	slot->dev = dev;
	slot->generation = file_inode(file)->i_generation;
}

/* Room kept at the end of an events message for COWWATCH_A_LOST. */
#define CW_TAIL_ROOM	nla_total_size_64bit(sizeof(u64))

/* A COWWATCH_A_FILE nest: @path names the file @dev, @ino. */
static int cw_nl_put_file(struct sk_buff *skb, u32 dev, u64 ino,
			  const char *path)
{
	struct nlattr *nest = nla_nest_start(skb, COWWATCH_A_FILE);

	if (!nest ||
	    nla_put_u32(skb, COWWATCH_EV_DEV, dev) ||
	    nla_put_u64_64bit(skb, COWWATCH_EV_INO, ino, COWWATCH_EV_PAD) ||
	    nla_put_string(skb, COWWATCH_EV_PATH, path))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* An event and its stack sample (for a reader of stacks), or NULL. */
struct cw_event_out {
	const struct cw_event *ev;
	const struct cowwatch_stack *st;
};

/*
 * Appends the event to the open COWWATCH_A_EVENTS array of @w's message,
 * after the file's path and the stack sample if they go along (each closes
 * the array: the record opens another after them). The array grows at the
 * skb's tail, its length updated as it grows. A sample too big for even an
 * empty message (one of a page, when no bigger one could be had) is left
 * out, and the record says so.
 */
static int cw_nl_put_event(struct cw_watcher *w, const void *arg,
			   const char *path)
{
	const struct cw_event_out *out = arg;
	const struct cw_event *ev = out->ev;
	const struct cowwatch_stack *st = out->st;
	struct sk_buff *skb = w->skb;
	struct nlattr *start = (struct nlattr *)skb_tail_pointer(skb);
	size_t need = CW_TAIL_ROOM + NLA_HDRLEN + sizeof(struct cowwatch_event) +
		      (path ? 64 + strlen(path) : 0);
	size_t st_size = st ? sizeof(*st) + st->len : 0;
	struct cowwatch_event *rec;

	if (st && skb_tailroom(skb) < need + nla_total_size(st_size)) {
		if (w->nevents)
			return -EMSGSIZE;
		st = NULL;
	}
	if (skb_tailroom(skb) < need)
		return -EMSGSIZE;
	if (path) {
		w->records = NULL;
		if (cw_nl_put_file(skb, ev->dev, ev->ino, path))
			goto nospace;
	}
	if (st) {
		w->records = NULL;
		if (nla_put(skb, COWWATCH_A_STACK, st_size, st))
			goto nospace;
	}
	if (!w->records) {
		w->records = nla_reserve(skb, COWWATCH_A_EVENTS, 0);
		if (!w->records)
			goto nospace;
	}
	rec = skb_put(skb, sizeof(*rec));
	w->records->nla_len += sizeof(*rec);
	rec->time_ns = ev->time;
	rec->addr = ev->addr;
	rec->ip = ev->ip;
	rec->vm_start = ev->vm_start;
	rec->vm_end = ev->vm_end;
	rec->vm_flags = ev->vm_flags;
	rec->ino = ev->ino;
	rec->pid = pid_nr_ns(ev->entry->pid, w->pidns);
	rec->tgid = ev->entry->tgid;
	rec->tid = ev->tid;
	rec->dev = ev->dev;
	rec->outcome = ev->outcome;
	rec->page_size = ev->page_size;
	rec->flags = ev->flags;
	if (out->st && !st)
		rec->flags |= COWWATCH_EVF_NO_STACK;
	rec->cpu = ev->cpu;
	memcpy(rec->comm, ev->comm, sizeof(rec->comm));
	return 0;
nospace:
	nlmsg_trim(skb, start);
	w->records = NULL;
	return -EMSGSIZE;
}

/*
 * Events and counts messages: a few pages, so that one wake-up of the
 * reader carries many records (its receive buffer takes 64 KiB at once).
 */
#define CW_BATCH_MSG_SIZE	SKB_WITH_OVERHEAD(4 * PAGE_SIZE)

static int cw_nl_start_sized(struct cw_watcher *w, u8 cmd, size_t size,
			     struct sk_buff **skbp, void **hdrp)
{
	struct sk_buff *skb = genlmsg_new(size, GFP_KERNEL);
	void *hdr;

	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put(skb, 0, 0, &cw_family, 0, cmd);
	if (!hdr || nla_put_u32(skb, COWWATCH_A_SEQ, w->seq)) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	*skbp = skb;
	*hdrp = hdr;
	return 0;
}

static int cw_nl_start(struct cw_watcher *w, u8 cmd, struct sk_buff **skbp,
		       void **hdrp)
{
	return cw_nl_start_sized(w, cmd, NLMSG_GOODSIZE, skbp, hdrp);
}

/*
 * FORK, EXEC, EXIT, GONE: small, as a backlog may hold thousands. An EXIT,
 * the largest, takes some 250 bytes.
 */
#define CW_NOTICE_MSG_SIZE	512

static int cw_nl_start_notice(struct cw_watcher *w, u8 cmd,
			      struct sk_buff **skbp, void **hdrp)
{
	return cw_nl_start_sized(w, cmd, CW_NOTICE_MSG_SIZE, skbp, hdrp);
}

/* @w's pending message of @cmd (EVENTS or COUNTS), started if there is none. */
static int cw_nl_pending(struct cw_watcher *w, u8 cmd)
{
	if (w->skb)
		return 0;
	w->nevents = 0;
	w->records = NULL;
	if (!cw_nl_start_sized(w, cmd, CW_BATCH_MSG_SIZE, &w->skb, &w->hdr))
		return 0;
	/* No room for a batch: a page will do. */
	return cw_nl_start(w, cmd, &w->skb, &w->hdr);
}

/*
 * Drain work only: appends one record to @w's pending message of @cmd with
 * @put, after the path of the record's file (@file: @dev, @ino) if @w was
 * not sent it lately, sending a full message and starting another. A path
 * too long for a message of its own is left out: the reader names the
 * region from its memory map then. @faults: what the record stands for, as
 * a lost message counts it.
 */
static int cw_nl_append(struct cw_watcher *w, u8 cmd,
			int (*put)(struct cw_watcher *w, const void *rec,
				   const char *path),
			const void *rec, u64 faults, struct file *file, u32 dev,
			u64 ino)
{
	const char *path = cw_file_path(w, file, dev, ino);
	int tries;

	for (tries = 0; tries < 3; tries++) {
		if (cw_nl_pending(w, cmd))
			break;
		if (!put(w, rec, path)) {
			w->nevents += faults;
			if (path)
				cw_file_named(w, file, dev, ino);
			return 0;
		}
		if (!w->nevents && path) {
			path = NULL;	/* too long even for an empty message */
			continue;
		}
		cw_nl_flush(w);
	}
	return -ENOMEM;
}

/*
 * Drain work only: appends @ev to @w's pending EVENTS message, with its
 * stack sample @st if @w reads stacks (else NULL).
 */
int cw_nl_add_event(struct cw_watcher *w, const struct cw_event *ev,
		    const struct cowwatch_stack *st)
{
	struct cw_event_out out = { .ev = ev, .st = st };

	if (!cw_nl_append(w, COWWATCH_CMD_EVENTS, cw_nl_put_event, &out, 1,
			  ev->file, ev->dev, ev->ino))
		return 0;
	atomic64_inc(&w->lost);
	return -ENOMEM;
}

/* A COWWATCH_A_FILE nest naming the file of @arg, a cowwatch_count, then it. */
static int cw_nl_put_count(struct cw_watcher *w, const void *arg,
			   const char *path)
{
	const struct cowwatch_count *rec = arg;
	struct sk_buff *skb = w->skb;
	struct nlattr *start = (struct nlattr *)skb_tail_pointer(skb);

	if (skb_tailroom(skb) < CW_TAIL_ROOM + nla_total_size(sizeof(*rec)) +
	    (path ? 64 + strlen(path) : 0))
		return -EMSGSIZE;
	if (path && cw_nl_put_file(skb, rec->dev, rec->ino, path))
		goto nospace;
	if (nla_put(skb, COWWATCH_A_COUNT, sizeof(*rec), rec) ||
	    skb_tailroom(skb) < CW_TAIL_ROOM)
		goto nospace;
	return 0;
nospace:
	nlmsg_trim(skb, start);
	return -EMSGSIZE;
}

/*
 * Drain work only: appends @c to @w's pending COUNTS message, after its
 * file's path if @w was not sent that lately.
 */
int cw_nl_add_count(struct cw_watcher *w, const struct cw_count *c)
{
	struct cowwatch_count rec = {
		.count = c->count,
		.vm_start = c->vm_start,
		.vm_end = c->vm_end,
		.ip = c->ip,
		.ino = c->ino,
		.first_ns = c->first_ns,
		.last_ns = c->last_ns,
		.pid = pid_nr_ns(c->entry->pid, w->pidns),
		.tgid = c->entry->tgid,
		.dev = c->dev,
		.outcome = c->outcome,
		.page_size = c->page_size,
		.flags = c->flags,
	};

	if (!cw_nl_append(w, COWWATCH_CMD_COUNTS, cw_nl_put_count, &rec,
			  c->count, c->file, c->dev, c->ino))
		return 0;
	atomic64_add(c->count, &w->lost);
	atomic64_add(c->count, &cw_lost_total);
	return -ENOMEM;
}

/* Drain work only: the end of a watched process, with its totals. */
void cw_nl_send_exit(struct cw_watcher *w, struct cw_entry *e)
{
	struct sk_buff *skb;
	struct nlattr *nest;
	void *hdr;
	int i;

	cw_nl_flush(w);
	if (cw_nl_start_notice(w, COWWATCH_CMD_EXIT, &skb, &hdr))
		return;
	if (nla_put_u32(skb, COWWATCH_A_TGID, e->tgid) ||
	    nla_put_u32(skb, COWWATCH_A_PID, pid_nr_ns(e->pid, w->pidns)) ||
	    nla_put_u64_64bit(skb, COWWATCH_A_TIME, e->exit_ns, COWWATCH_A_PAD) ||
	    nla_put_string(skb, COWWATCH_A_COMM, e->exit_comm) ||
	    nla_put_u64_64bit(skb, COWWATCH_A_LOST, atomic64_read(&w->lost),
			      COWWATCH_A_PAD))
		goto nospace;
	nest = nla_nest_start(skb, COWWATCH_A_COUNTERS);
	if (!nest)
		goto nospace;
	for (i = 0; i < __COWWATCH_OUT_MAX; i++)
		/* Pad type 0: every type from 1 up is a counter here. */
		if (nla_put_u64_64bit(skb, i + 1, atomic64_read(&e->count[i]), 0))
			goto nospace;
	nla_nest_end(skb, nest);
	cw_nl_send(w, skb, hdr);
	return;
nospace:
	nlmsg_free(skb);
}

/* Drain work only: FORK and/or EXEC of @e, as @notice says. */
void cw_nl_send_notice(struct cw_watcher *w, struct cw_entry *e,
		       unsigned int notice)
{
	pid_t pid = pid_nr_ns(e->pid, w->pidns);
	struct sk_buff *skb;
	void *hdr;

	cw_nl_flush(w);
	if ((notice & CW_NOTICE_FORK) &&
	    !cw_nl_start_notice(w, COWWATCH_CMD_FORK, &skb, &hdr)) {
		if (nla_put_u32(skb, COWWATCH_A_TGID, e->tgid) ||
		    nla_put_u32(skb, COWWATCH_A_PID, pid) ||
		    nla_put_u32(skb, COWWATCH_A_PPID,
				pid_nr_ns(e->parent, w->pidns)) ||
		    nla_put_string(skb, COWWATCH_A_COMM, e->fork_comm) ||
		    nla_put_u64_64bit(skb, COWWATCH_A_TIME, e->fork_ns,
				      COWWATCH_A_PAD))
			nlmsg_free(skb);
		else
			cw_nl_send(w, skb, hdr);
	}
	if ((notice & CW_NOTICE_EXEC) &&
	    !cw_nl_start_notice(w, COWWATCH_CMD_EXEC, &skb, &hdr)) {
		if (nla_put_u32(skb, COWWATCH_A_PID, pid) ||
		    nla_put_string(skb, COWWATCH_A_COMM, e->comm) ||
		    nla_put_u64_64bit(skb, COWWATCH_A_TIME, e->exec_ns,
				      COWWATCH_A_PAD))
			nlmsg_free(skb);
		else
			cw_nl_send(w, skb, hdr);
	}
}

/* Unloading, after the last drain: tells the reader nothing follows. */
void cw_nl_send_gone(struct cw_watcher *w)
{
	struct sk_buff *skb;
	void *hdr;

	cw_nl_flush(w);
	if (cw_nl_start_notice(w, COWWATCH_CMD_GONE, &skb, &hdr))
		return;
	if (nla_put_u64_64bit(skb, COWWATCH_A_LOST, atomic64_read(&w->lost),
			      COWWATCH_A_PAD)) {
		nlmsg_free(skb);
		return;
	}
	cw_nl_send(w, skb, hdr);
}

static int cw_nl_notify(struct notifier_block *nb, unsigned long event,
			void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC)
		cw_watcher_release_port(n->net, n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block cw_nl_notifier = {
	.notifier_call = cw_nl_notify,
};

int cw_netlink_init(void)
{
	int err;

	err = netlink_register_notifier(&cw_nl_notifier);
	if (err)
		return err;
	err = genl_register_family(&cw_family);
	if (err) {
		pr_err("cannot register generic netlink family %s: %d\n",
		       COWWATCH_GENL_NAME, err);
		netlink_unregister_notifier(&cw_nl_notifier);
	}
	return err;
}

void cw_netlink_exit(void)
{
	genl_unregister_family(&cw_family);
	netlink_unregister_notifier(&cw_nl_notifier);
}
