// SPDX-License-Identifier: GPL-2.0
/* Decoding cowwatch notifications with libmnl. */
#include "proto.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "str.h"

struct decode_ctx {
	struct cw_stream *st;
	const struct cw_handlers *h;
	void *ctx;
	int bad;
	/* A COWWATCH_A_STACK seen, for the next record. */
	bool stack_pending;
	struct cowwatch_stack stack;
	const unsigned char *stack_data;
};

/* Attribute types and their wire types; MNL_TYPE_UNSPEC: not expected. */
static const enum mnl_attr_data_type top_types[COWWATCH_A_MAX + 1] = {
	[COWWATCH_A_PID] = MNL_TYPE_U32,
	[COWWATCH_A_TGID] = MNL_TYPE_U32,
	[COWWATCH_A_SEQ] = MNL_TYPE_U32,
	[COWWATCH_A_LOST] = MNL_TYPE_U64,
	[COWWATCH_A_COUNTERS] = MNL_TYPE_NESTED,
	[COWWATCH_A_PPID] = MNL_TYPE_U32,
	[COWWATCH_A_COMM] = MNL_TYPE_NUL_STRING,
	[COWWATCH_A_TIME] = MNL_TYPE_U64,
};

/* A COWWATCH_A_FILE nest's attributes. */
static const enum mnl_attr_data_type ev_types[COWWATCH_EV_MAX + 1] = {
	[COWWATCH_EV_DEV] = MNL_TYPE_U32,
	[COWWATCH_EV_INO] = MNL_TYPE_U64,
	[COWWATCH_EV_PATH] = MNL_TYPE_NUL_STRING,
};

struct table {
	const struct nlattr **tb;
	const enum mnl_attr_data_type *types;
	unsigned int max;
};

/*
 * Keeps each known attribute whose payload has its type's size; unknown
 * types (a newer module's additions) are skipped, malformed ones fail.
 */
static int table_cb(const struct nlattr *attr, void *data)
{
	const struct table *t = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type > t->max || t->types[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, t->types[type]) < 0)
		return MNL_CB_ERROR;
	t->tb[type] = attr;
	return MNL_CB_OK;
}

static uint32_t u32_or(const struct nlattr *a, uint32_t dflt)
{
	return a ? mnl_attr_get_u32(a) : dflt;
}

static uint64_t u64_or(const struct nlattr *a, uint64_t dflt)
{
	return a ? mnl_attr_get_u64(a) : dflt;
}

/* A name from the kernel, cut as the kernel cuts it (TASK_COMM_LEN). */
static void copy_comm(char comm[CW_COMM_LEN], const struct nlattr *a)
{
	str_copy(comm, CW_COMM_LEN, a ? mnl_attr_get_str(a) : "");
}

/* COWWATCH_A_FILE: a file's path, for the event and count records after it. */
static int decode_file(struct decode_ctx *d, const struct nlattr *nest)
{
	const struct nlattr *tb[COWWATCH_EV_MAX + 1] = { NULL };
	struct table t = { tb, ev_types, COWWATCH_EV_MAX };
	uint64_t ino;

	if (mnl_attr_parse_nested(nest, table_cb, &t) != MNL_CB_OK ||
	    !tb[COWWATCH_EV_DEV] || !tb[COWWATCH_EV_INO] || !tb[COWWATCH_EV_PATH])
		return -EBADMSG;
	ino = mnl_attr_get_u64(tb[COWWATCH_EV_INO]);
	/* A path names a file: an empty one, or one without an inode, is not one. */
	if (!ino || !mnl_attr_get_str(tb[COWWATCH_EV_PATH])[0])
		return -EBADMSG;
	if (d->h->file)
		d->h->file(d->ctx, mnl_attr_get_u32(tb[COWWATCH_EV_DEV]), ino,
			   mnl_attr_get_str(tb[COWWATCH_EV_PATH]));
	return 0;
}

static bool page_size_ok(uint32_t size)
{
	return size >= 4096 && !(size & (size - 1));
}

/*
 * COWWATCH_A_COUNT: one struct cowwatch_count, copied out (the attribute
 * is only 4-byte aligned). A longer one is a newer module's: its head is
 * this one.
 */
static int decode_count(struct decode_ctx *d, const struct nlattr *attr)
{
	struct cowwatch_count rec;
	struct cw_event ev;

	if (mnl_attr_get_payload_len(attr) < sizeof(rec))
		return -EBADMSG;
	memcpy(&rec, mnl_attr_get_payload(attr), sizeof(rec));
	if ((int32_t)rec.pid <= 0 || rec.outcome > COWWATCH_OUT_MAX || !rec.count ||
	    !page_size_ok(rec.page_size) || rec.first_ns > rec.last_ns)
		return -EBADMSG;
	memset(&ev, 0, sizeof(ev));
	ev.pid = (pid_t)rec.pid;
	ev.tgid = rec.tgid;
	ev.addr = rec.vm_start;
	ev.ip = rec.ip;
	ev.outcome = rec.outcome;
	ev.page_size = rec.page_size;
	ev.time_ns = rec.last_ns;
	ev.first_ns = rec.first_ns;
	ev.vm_start = rec.vm_start;
	ev.vm_end = rec.vm_end;
	ev.dev = rec.dev;
	ev.ino = rec.ino;
	ev.flags = rec.flags;
	ev.count = rec.count;
	d->st->counted += rec.count;
	if (d->h->count)
		d->h->count(d->ctx, &ev);
	return 0;
}

/*
 * COWWATCH_A_STACK: the sample of the record that opens the next
 * COWWATCH_A_EVENTS array. Its header is copied out (the attribute is only
 * 4-byte aligned); the stack bytes are read in place.
 */
static int decode_stack(struct decode_ctx *d, const struct nlattr *attr)
{
	size_t len = mnl_attr_get_payload_len(attr);

	d->stack_pending = false;
	if (len < sizeof(d->stack))
		return -EBADMSG;
	memcpy(&d->stack, mnl_attr_get_payload(attr), sizeof(d->stack));
	if (d->stack.len != len - sizeof(d->stack))
		return -EBADMSG;
	d->stack_data = (const unsigned char *)mnl_attr_get_payload(attr) + sizeof(d->stack);
	d->stack_pending = true;
	return 0;
}

/* One struct cowwatch_event of a COWWATCH_A_EVENTS array. */
static int decode_record(struct decode_ctx *d, const struct cowwatch_event *rec)
{
	struct cw_event ev;

	if ((int32_t)rec->pid <= 0 || rec->outcome > COWWATCH_OUT_MAX ||
	    !page_size_ok(rec->page_size))
		return -EBADMSG;
	memset(&ev, 0, sizeof(ev));
	ev.pid = (pid_t)rec->pid;
	ev.tgid = rec->tgid;
	ev.tid = rec->tid;
	/* The kernel's name ends with a NUL within 16 bytes; a forged one may not. */
	str_copy(ev.comm, sizeof(ev.comm), rec->comm);
	ev.addr = rec->addr;
	ev.ip = rec->ip;
	ev.outcome = rec->outcome;
	ev.page_size = rec->page_size;
	ev.time_ns = rec->time_ns;
	ev.first_ns = rec->time_ns;
	ev.cpu = rec->cpu;
	ev.vm_start = rec->vm_start;
	ev.vm_end = rec->vm_end;
	ev.vm_flags = rec->vm_flags;
	ev.dev = rec->dev;
	ev.ino = rec->ino;
	ev.flags = rec->flags;
	ev.count = 1;
	if (d->stack_pending) {
		ev.stack = &d->stack;
		ev.stack_data = d->stack_data;
		d->stack_pending = false;
	}
	d->st->events++;
	if (d->h->event)
		d->h->event(d->ctx, &ev);
	return 0;
}

/*
 * COWWATCH_A_EVENTS: fixed-size records back to back, copied out one at a
 * time (the array is only 4-byte aligned); no allocation, no call per
 * record but the handler's.
 */
static int decode_records(struct decode_ctx *d, const struct nlattr *attr)
{
	const char *p = mnl_attr_get_payload(attr);
	size_t len = mnl_attr_get_payload_len(attr);
	struct cowwatch_event rec;
	int err = 0;

	if (len % sizeof(rec))
		return -EBADMSG;
	for (size_t at = 0; at < len; at += sizeof(rec)) {
		memcpy(&rec, p + at, sizeof(rec));
		if (decode_record(d, &rec))
			err = -EBADMSG;
	}
	return err;
}

/* EVENTS and COUNTS: files, event arrays and count records, in order. */
static int decode_batch(struct decode_ctx *d, const struct nlmsghdr *nlh)
{
	const struct nlattr *attr;
	int err = 0;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case COWWATCH_A_FILE:
			if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 || decode_file(d, attr))
				err = -EBADMSG;
			break;
		case COWWATCH_A_EVENTS:
			if (decode_records(d, attr))
				err = -EBADMSG;
			d->stack_pending = false;
			break;
		case COWWATCH_A_STACK:
			if (decode_stack(d, attr))
				err = -EBADMSG;
			break;
		case COWWATCH_A_COUNT:
			if (decode_count(d, attr))
				err = -EBADMSG;
			break;
		default:
			break;
		}
	}
	return err;
}

static int decode_exit(struct decode_ctx *d, const struct nlattr *const *tb)
{
	struct cw_exit ex;
	const struct nlattr *c;

	if (!tb[COWWATCH_A_PID] || !tb[COWWATCH_A_COUNTERS])
		return -EBADMSG;
	memset(&ex, 0, sizeof(ex));
	ex.pid = (pid_t)mnl_attr_get_u32(tb[COWWATCH_A_PID]);
	ex.tgid = u32_or(tb[COWWATCH_A_TGID], 0);
	ex.time_ns = u64_or(tb[COWWATCH_A_TIME], 0);
	copy_comm(ex.comm, tb[COWWATCH_A_COMM]);
	if (ex.pid <= 0)
		return -EBADMSG;
	/* Counter attribute type is outcome + 1; its value a u64. */
	mnl_attr_for_each_nested(c, tb[COWWATCH_A_COUNTERS]) {
		uint16_t type = mnl_attr_get_type(c);

		if (type == 0)
			continue;	/* alignment padding */
		if (mnl_attr_validate(c, MNL_TYPE_U64) < 0)
			return -EBADMSG;
		if (type <= __COWWATCH_OUT_MAX)
			ex.counts[type - 1] = mnl_attr_get_u64(c);
	}
	d->st->exits++;
	if (d->h->exit)
		d->h->exit(d->ctx, &ex);
	return 0;
}

/* A FORK or EXEC notice's common part: pid, time and comm. */
static int decode_notice(const struct nlattr *const *tb, struct cw_notice *n)
{
	memset(n, 0, sizeof(*n));
	if (!tb[COWWATCH_A_PID])
		return -EBADMSG;
	n->pid = (pid_t)mnl_attr_get_u32(tb[COWWATCH_A_PID]);
	if (n->pid <= 0)
		return -EBADMSG;
	n->time_ns = u64_or(tb[COWWATCH_A_TIME], 0);
	copy_comm(n->comm, tb[COWWATCH_A_COMM]);
	return 0;
}

static int decode_fork(struct decode_ctx *d, const struct nlattr *const *tb)
{
	struct cw_notice n;

	if (decode_notice(tb, &n) || !tb[COWWATCH_A_PPID])
		return -EBADMSG;
	n.ppid = (pid_t)mnl_attr_get_u32(tb[COWWATCH_A_PPID]);
	if (n.ppid < 0)
		return -EBADMSG;
	d->st->forks++;
	if (d->h->fork)
		d->h->fork(d->ctx, &n);
	return 0;
}

static int decode_exec(struct decode_ctx *d, const struct nlattr *const *tb)
{
	struct cw_notice n;

	if (decode_notice(tb, &n))
		return -EBADMSG;
	d->st->execs++;
	if (d->h->exec)
		d->h->exec(d->ctx, &n);
	return 0;
}

static void note_seq(struct cw_stream *st, const struct nlattr *seq_attr)
{
	uint32_t seq;

	if (!seq_attr)
		return;
	seq = mnl_attr_get_u32(seq_attr);
	/* Sequence numbers count from 0 per reader; a jump is lost messages. */
	if (seq != st->next_seq)
		st->lost_messages += (uint32_t)(seq - st->next_seq);
	st->next_seq = seq + 1;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct decode_ctx *d = data;
	const struct nlattr *tb[COWWATCH_A_MAX + 1] = { NULL };
	struct table t = { tb, top_types, COWWATCH_A_MAX };
	const struct genlmsghdr *g;
	int err = 0;

	if (nlh->nlmsg_type != d->st->family)
		return MNL_CB_OK;	/* not ours (a control message) */
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN ||
	    mnl_attr_parse(nlh, GENL_HDRLEN, table_cb, &t) != MNL_CB_OK) {
		d->bad = 1;
		d->st->malformed++;
		return MNL_CB_OK;
	}
	g = mnl_nlmsg_get_payload(nlh);
	note_seq(d->st, tb[COWWATCH_A_SEQ]);
	/* The module's count only grows; the largest seen is the latest. */
	if (tb[COWWATCH_A_LOST] && mnl_attr_get_u64(tb[COWWATCH_A_LOST]) > d->st->lost_events)
		d->st->lost_events = mnl_attr_get_u64(tb[COWWATCH_A_LOST]);
	switch (g->cmd) {
	case COWWATCH_CMD_EVENTS:
	case COWWATCH_CMD_COUNTS:
		err = decode_batch(d, nlh);
		break;
	case COWWATCH_CMD_EXIT:
		err = decode_exit(d, tb);
		break;
	case COWWATCH_CMD_FORK:
		err = decode_fork(d, tb);
		break;
	case COWWATCH_CMD_EXEC:
		err = decode_exec(d, tb);
		break;
	case COWWATCH_CMD_GONE:
		d->st->gone = 1;
		if (d->h->gone)
			d->h->gone(d->ctx);
		break;
	default:
		break;		/* a newer module's notification: ignored */
	}
	if (err) {
		d->bad = 1;
		d->st->malformed++;
	}
	return MNL_CB_OK;
}

/* Checked unsigned: see proto.h. */
size_t cw_proto_whole(const void *buf, size_t len)
{
	size_t at = 0;

	while (len - at >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const void *)((const char *)buf + at);
		size_t n = nlh->nlmsg_len;

		if (n < sizeof(struct nlmsghdr) || n > len - at)
			break;
		n = MNL_ALIGN(n);
		if (n > len - at)
			break;
		at += n;
	}
	return at;
}

int cw_proto_decode(struct cw_stream *st, const void *buf, size_t len,
		    const struct cw_handlers *h, void *ctx)
{
	struct decode_ctx d = { .st = st, .h = h, .ctx = ctx };
	size_t whole = cw_proto_whole(buf, len);
	int ret;

	if (whole < len) {
		/* A message cut short or with a bad length: decode what precedes it. */
		d.bad = 1;
		st->malformed++;
		len = whole;
	}
	if (!len)
		return d.bad ? -EBADMSG : 0;

	/* Port and sequence 0: notifications are not answers to a request. */
	ret = mnl_cb_run(buf, len, 0, 0, msg_cb, &d);
	if (ret == MNL_CB_ERROR && errno != 0 && !d.bad) {
		/* An NLMSG_ERROR or framing error: the buffer ends here. */
		st->malformed++;
		return -EBADMSG;
	}
	return d.bad ? -EBADMSG : 0;
}

void cw_proto_look_ahead(const struct cw_stream *st, const void *buf, size_t len,
			 const struct cw_handlers *h, void *ctx)
{
	const struct cw_handlers ahead = { .exec = h->exec_ahead };
	size_t whole = cw_proto_whole(buf, len), at = 0;
	struct cw_stream scratch = *st;

	if (!h->exec_ahead)
		return;
	/* Only EXEC notices are decoded: a look must cost little next to the real decode. */
	while (at < whole) {
		const struct nlmsghdr *nlh = (const void *)((const char *)buf + at);
		size_t n = MNL_ALIGN(nlh->nlmsg_len);
		const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

		if (nlh->nlmsg_type == st->family && mnl_nlmsg_get_payload_len(nlh) >= GENL_HDRLEN &&
		    g->cmd == COWWATCH_CMD_EXEC)
			cw_proto_decode(&scratch, nlh, nlh->nlmsg_len, &ahead, ctx);
		at += n < whole - at ? n : whole - at;
	}
}

/* One attribute of a WATCH reply: records to @found, MORE to *@more; false if malformed. */
static bool found_attr(const struct nlattr *attr,
		       void (*found)(void *arg, const struct cowwatch_found *f), void *arg,
		       int *more)
{
	const char *rec = mnl_attr_get_payload(attr);
	size_t len = mnl_attr_get_payload_len(attr);

	if (mnl_attr_get_type(attr) == COWWATCH_A_MORE) {
		*more = 1;
		return true;
	}
	if (mnl_attr_get_type(attr) != COWWATCH_A_FOUND)
		return true;	/* a newer module's addition */
	/* Records are 4-byte aligned in the message: copy each out. */
	for (; len >= sizeof(struct cowwatch_found); len -= sizeof(struct cowwatch_found)) {
		struct cowwatch_found f;

		memcpy(&f, rec, sizeof(f));
		rec += sizeof(f);
		f.comm[sizeof(f.comm) - 1] = '\0';
		found(arg, &f);
	}
	return len == 0;
}

int cw_proto_found(const struct nlmsghdr *nlh,
		   void (*found)(void *arg, const struct cowwatch_found *f), void *arg)
{
	const struct nlattr *attr;
	int left, more = 0;
	bool ok = true;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))
		return -EBADMSG;
	attr = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct genlmsghdr));
	left = (int)((const char *)mnl_nlmsg_get_payload_tail(nlh) - (const char *)attr);
	while (mnl_attr_ok(attr, left)) {
		ok &= found_attr(attr, found, arg, &more);
		left -= (int)MNL_ALIGN(attr->nla_len);
		attr = mnl_attr_next(attr);
	}
	/* Bytes left that make no whole attribute: the message was cut or forged. */
	return ok && left <= 0 ? more : -EBADMSG;
}
