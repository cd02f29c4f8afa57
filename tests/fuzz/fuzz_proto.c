// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: any byte string handed to the notification decoder
 * (user/proto.c) must neither crash nor read out of bounds; what it
 * decodes must be in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "proto.h"

static void on_event(void *ctx, const struct cw_event *ev)
{
	(void)ctx;
	if (ev->pid <= 0 || ev->outcome > COWWATCH_OUT_MAX || strlen(ev->comm) >= CW_COMM_LEN)
		abort();
}

/* A path is a NUL-terminated string of the message, never empty, of an inode. */
static void on_file(void *ctx, uint32_t dev, uint64_t ino, const char *path)
{
	(void)ctx;
	(void)dev;
	if (!path[0] || !ino)
		abort();
}

static void on_exit_msg(void *ctx, const struct cw_exit *ex)
{
	(void)ctx;
	if (ex->pid <= 0 || strlen(ex->comm) >= CW_COMM_LEN)
		abort();
}

static void on_fork(void *ctx, const struct cw_notice *n)
{
	(void)ctx;
	if (n->pid <= 0 || n->ppid < 0 || strlen(n->comm) >= CW_COMM_LEN)
		abort();
}

static void on_exec(void *ctx, const struct cw_notice *n)
{
	(void)ctx;
	if (n->pid <= 0 || strlen(n->comm) >= CW_COMM_LEN)
		abort();
}

static void on_found(void *arg, const struct cowwatch_found *f)
{
	(void)arg;
	if (strnlen(f->comm, sizeof(f->comm)) >= sizeof(f->comm))
		abort();
}

/* A WATCH reply's list, in each message the reader would pass to mnl_cb_run(). */
static void found_lists(const void *buf, size_t size)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)cw_proto_whole(buf, size);	/* as the reader's recv_answer() */

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
		cw_proto_found(nlh, on_found, NULL);
}

static const struct cw_handlers handlers = {
	.event = on_event, .count = on_event, .file = on_file, .exit = on_exit_msg,
	.fork = on_fork, .exec = on_exec,
	.exec_ahead = on_exec,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_stream st = { .family = 0x1d }, before;
	/* Netlink buffers are 4-byte aligned; give the decoder an aligned copy. */
	void *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	before = st;
	cw_proto_look_ahead(&st, buf, size, &handlers, NULL);
	/* Looking ahead leaves the stream as it was. */
	if (before.next_seq != st.next_seq || before.lost_events != st.lost_events ||
	    before.lost_messages != st.lost_messages || before.malformed != st.malformed ||
	    before.events != st.events || before.exits != st.exits || before.forks != st.forks ||
	    before.execs != st.execs || before.gone != st.gone)
		abort();
	cw_proto_decode(&st, buf, size, &handlers, NULL);
	found_lists(buf, size);
	free(buf);
	return 0;
}
