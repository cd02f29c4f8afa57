// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/proto.c with netlink messages built here the way the
 * module builds them (kmod/netlink.c), then broken in the ways a reader
 * must survive. With an argument DIR it also writes its messages there as
 * seeds for the fuzzer (tests/fuzz/).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <sys/socket.h>
#include <unistd.h>

#include "nl.h"
#include "proto.h"
#include "unit.h"

#define FAMILY 0x1d

static const char *seed_dir;
static int seed_no;

struct seen {
	struct cw_event ev[8];
	int nev;
	struct cw_exit ex[4];
	int nex;
	int gone;
	pid_t fork_parent, fork_child, exec_pid;
	char exec_comm[CW_COMM_LEN];
	struct cw_notice fork, exec;
	char path[64];		/* the first file's path (COWWATCH_A_FILE) */
	struct cw_event cnt[4];	/* count records */
	int ncnt;
	uint32_t file_dev;
	uint64_t file_ino;
	char file_path[64];
	int nfile_before_count;	/* files named before the first record */
	/* Each event's stack sample, read in the handler (it points into the message). */
	int stack_len[8];	/* -1: none */
	uint64_t stack_rip[8];
	unsigned char stack_last[8];
};

static void on_count(void *ctx, const struct cw_event *ev)
{
	struct seen *s = ctx;

	if (s->ncnt < 4)
		s->cnt[s->ncnt] = *ev;
	s->ncnt++;
}

static void on_file(void *ctx, uint32_t dev, uint64_t ino, const char *path)
{
	struct seen *s = ctx;

	s->file_dev = dev;
	s->file_ino = ino;
	snprintf(s->file_path, sizeof(s->file_path), "%s", path);
	if (!s->path[0])
		snprintf(s->path, sizeof(s->path), "%s", path);
	if (!s->ncnt)
		s->nfile_before_count++;
}

static void on_event(void *ctx, const struct cw_event *ev)
{
	struct seen *s = ctx;

	if (s->nev < 8) {
		s->ev[s->nev] = *ev;
		s->stack_len[s->nev] = ev->stack ? (int)ev->stack->len : -1;
		s->stack_rip[s->nev] = ev->stack ? ev->stack->regs[16] : 0;
		s->stack_last[s->nev] = ev->stack && ev->stack->len ?
					ev->stack_data[ev->stack->len - 1] : 0;
	}
	s->nev++;
}

static void on_exit_msg(void *ctx, const struct cw_exit *ex)
{
	struct seen *s = ctx;

	if (s->nex < 4)
		s->ex[s->nex] = *ex;
	s->nex++;
}

static void on_gone(void *ctx)
{
	((struct seen *)ctx)->gone++;
}

static void on_fork(void *ctx, const struct cw_notice *n)
{
	struct seen *s = ctx;

	s->fork_parent = n->ppid;
	s->fork_child = n->pid;
	s->fork = *n;
}

static void on_exec(void *ctx, const struct cw_notice *n)
{
	struct seen *s = ctx;

	s->exec_pid = n->pid;
	snprintf(s->exec_comm, sizeof(s->exec_comm), "%s", n->comm);
	s->exec = *n;
}

static const struct cw_handlers handlers = {
	.event = on_event, .exit = on_exit_msg, .gone = on_gone, .fork = on_fork, .exec = on_exec,
	.count = on_count, .file = on_file,
};

static struct nlmsghdr *put_msg(char *buf, uint8_t cmd, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = FAMILY;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = COWWATCH_GENL_VERSION;
	mnl_attr_put_u32(nlh, COWWATCH_A_SEQ, seq);
	return nlh;
}

static struct cowwatch_event record(uint32_t pid, uint32_t outcome, uint64_t addr)
{
	struct cowwatch_event e = {
		.time_ns = 123456789, .addr = addr, .ip = 0x401234,
		.vm_start = addr & ~0xfffffULL, .vm_end = (addr & ~0xfffffULL) + 0x100000,
		.vm_flags = 0x73, .ino = 42, .pid = pid, .tgid = pid + 1000, .tid = pid + 1001,
		.dev = 0x801, .outcome = outcome, .page_size = 4096, .cpu = 1,
	};

	memcpy(e.comm, "python3", 8);
	return e;
}

/* A COWWATCH_A_EVENTS array of @n records, as kmod/netlink.c puts it. */
static void put_records(struct nlmsghdr *nlh, const struct cowwatch_event *e, size_t n)
{
	mnl_attr_put(nlh, COWWATCH_A_EVENTS, n * sizeof(*e), e);
}

/* One event; a file's path before it, as the module sends a file's first. */
static void put_event(struct nlmsghdr *nlh, uint32_t pid, uint32_t outcome, uint64_t addr)
{
	struct cowwatch_event e = record(pid, outcome, addr);

	if (outcome == COWWATCH_OUT_FILE) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, COWWATCH_A_FILE);

		mnl_attr_put_u32(nlh, COWWATCH_EV_DEV, 0x801);
		mnl_attr_put_u64(nlh, COWWATCH_EV_INO, 42);
		mnl_attr_put_strz(nlh, COWWATCH_EV_PATH, "/usr/lib/x86_64-linux-gnu/libc.so.6");
		mnl_attr_nest_end(nlh, nest);
	}
	put_records(nlh, &e, 1);
}

static void seed(const void *buf, size_t len)
{
	char path[4096];
	FILE *f;

	if (!seed_dir)
		return;
	snprintf(path, sizeof(path), "%s/seed-%03d", seed_dir, seed_no++);
	f = fopen(path, "wb");
	if (f) {
		fwrite(buf, 1, len, f);
		fclose(f);
	}
}

static int decode(struct cw_stream *st, struct seen *s, const void *buf, size_t len)
{
	seed(buf, len);
	memset(s, 0, sizeof(*s));
	return cw_proto_decode(st, buf, len, &handlers, s);
}

/* A forged record: its name fills the field, with no NUL. */
static void test_forged_name(void)
{
	char buf[8192];
	struct cw_stream st = { .family = FAMILY };
	struct nlmsghdr *nlh = put_msg(buf, COWWATCH_CMD_EVENTS, 0);
	struct cowwatch_event forged = record(79, COWWATCH_OUT_COPY, 0x7f0000003000ULL);
	struct seen s;

	memset(forged.comm, 'x', sizeof(forged.comm));
	put_records(nlh, &forged, 1);
	report(decode(&st, &s, buf, nlh->nlmsg_len) == 0 && s.nev == 1 &&
	       !strcmp(s.ev[0].comm, "xxxxxxxxxxxxxxx"),
	       "a record's name without its NUL is cut to 15 bytes (%s)", s.ev[0].comm);
}

static void test_events(void)
{
	char buf[8192];
	struct cw_stream st = { .family = FAMILY };
	struct nlmsghdr *nlh = put_msg(buf, COWWATCH_CMD_EVENTS, 0);
	struct seen s;
		put_event(nlh, 77, COWWATCH_OUT_COPY, 0x7f0000001000ULL);
	put_event(nlh, 78, COWWATCH_OUT_ZERO, 0x7f0000002000ULL);
	mnl_attr_put_u64(nlh, COWWATCH_A_LOST, 5);
	report(decode(&st, &s, buf, nlh->nlmsg_len) == 0 && s.nev == 2, "two events in one message");
	report(s.ev[0].pid == 77 && s.ev[0].tgid == 1077 && s.ev[0].tid == 1078 &&
	       !strcmp(s.ev[0].comm, "python3") && s.ev[0].addr == 0x7f0000001000ULL &&
	       s.ev[0].ip == 0x401234 && s.ev[0].outcome == COWWATCH_OUT_COPY &&
	       s.ev[0].page_size == 4096 && s.ev[0].time_ns == 123456789 && s.ev[0].cpu == 1 &&
	       s.ev[0].vm_start == 0x7f0000000000ULL && s.ev[0].vm_end == 0x7f0000100000ULL &&
	       s.ev[0].vm_flags == 0x73 && s.ev[0].dev == 0x801 && s.ev[0].ino == 42,
	       "every field of the first event");
	report(s.ev[1].pid == 78 && s.ev[1].outcome == COWWATCH_OUT_ZERO, "second event");
	report(!s.path[0], "no path where none was sent");
	report(st.lost_events == 5 && st.next_seq == 1 && st.lost_messages == 0 && st.events == 2,
	       "stream: lost 5, next seq 1");

	/* A newer module's unknown attributes are skipped; arrays follow one another. */
	nlh = put_msg(buf, COWWATCH_CMD_EVENTS, 1);
	mnl_attr_put_u32(nlh, COWWATCH_A_MAX + 5, 1);
	{
		struct cowwatch_event e[3] = {
			record(9, COWWATCH_OUT_REUSE, 0x1000), record(10, COWWATCH_OUT_COPY, 0x2000),
			record(11, COWWATCH_OUT_ZERO, 0x3000),
		};

		put_records(nlh, e, 2);
		put_records(nlh, e + 2, 1);
	}
	report(decode(&st, &s, buf, nlh->nlmsg_len) == 0 && s.nev == 3 && s.ev[0].pid == 9 &&
	       s.ev[1].pid == 10 && s.ev[2].pid == 11 && s.ev[2].outcome == COWWATCH_OUT_ZERO,
	       "unknown attributes skipped; two arrays, three records in order");

	/* Sequence 1 was that one; 4 next means 2 and 3 were dropped. */
	nlh = put_msg(buf, COWWATCH_CMD_EVENTS, 4);
	put_event(nlh, 77, COWWATCH_OUT_COPY, 0x3000);
	decode(&st, &s, buf, nlh->nlmsg_len);
	report(s.nev == 1 && st.lost_messages == 2 && st.next_seq == 5,
	       "a gap in sequence numbers counts lost messages (%llu)",
	       (unsigned long long)st.lost_messages);
}

/* A COWWATCH_A_STACK as kmod/netlink.c puts it: header, then @len bytes of stack. */
static void put_stack(struct nlmsghdr *nlh, uint64_t rip, uint32_t len, uint32_t claimed)
{
	unsigned char buf[sizeof(struct cowwatch_stack) + 256];
	struct cowwatch_stack h = { .len = claimed };

	h.regs[16] = rip;
	h.regs[7] = 0x7ffc00000000ULL;
	memcpy(buf, &h, sizeof(h));
	for (uint32_t i = 0; i < len; i++)
		buf[sizeof(h) + i] = (unsigned char)(i + 1);
	mnl_attr_put(nlh, COWWATCH_A_STACK, sizeof(h) + len, buf);
}

/*
 * --stacks: a sample belongs to the record that opens the array after it,
 * and to no other; one whose length disagrees with its header is malformed.
 */
static void test_stacks(void)
{
	char buf[8192];
	struct cw_stream st = { .family = FAMILY };
	struct nlmsghdr *nlh = put_msg(buf, COWWATCH_CMD_EVENTS, 0);
	struct cowwatch_event e[2] = {
		record(7, COWWATCH_OUT_COPY, 0x1000), record(7, COWWATCH_OUT_COPY, 0x2000),
	};
	struct seen s;

	put_event(nlh, 7, COWWATCH_OUT_REUSE, 0x3000);
	put_stack(nlh, 0x401111, 200, 200);
	put_records(nlh, e, 2);
	put_stack(nlh, 0x402222, 0, 0);
	put_event(nlh, 7, COWWATCH_OUT_COPY, 0x4000);
	report(decode(&st, &s, buf, nlh->nlmsg_len) == 0 && s.nev == 4, "four events, two samples");
	report(s.stack_len[0] == -1, "no sample for the record before one");
	report(s.stack_len[1] == 200 && s.stack_rip[1] == 0x401111 && s.stack_last[1] == 200,
	       "the sample goes with the first record after it: registers and stack bytes");
	report(s.stack_len[2] == -1, "and with no other record of its array");
	report(s.stack_len[3] == 0 && s.stack_rip[3] == 0x402222, "an empty stack is a sample still");

	nlh = put_msg(buf, COWWATCH_CMD_EVENTS, 1);
	put_stack(nlh, 0x401111, 100, 101);
	put_event(nlh, 8, COWWATCH_OUT_COPY, 0x1000);
	report(decode(&st, &s, buf, nlh->nlmsg_len) == -EBADMSG && s.nev == 1 && s.stack_len[0] == -1,
	       "a sample shorter than its header says is malformed, and not used");
	nlh = put_msg(buf, COWWATCH_CMD_EVENTS, 2);
	mnl_attr_put(nlh, COWWATCH_A_STACK, 8, "12345678");
	put_event(nlh, 8, COWWATCH_OUT_COPY, 0x1000);
	report(decode(&st, &s, buf, nlh->nlmsg_len) == -EBADMSG && s.nev == 1 && s.stack_len[0] == -1,
	       "a sample shorter than a header is malformed");
}

/* A count record as kmod/netlink.c puts it: one binary attribute. */
static void put_count(struct nlmsghdr *nlh, uint32_t pid, uint32_t outcome, uint64_t n,
		      uint64_t ino)
{
	struct cowwatch_count c = {
		.count = n, .vm_start = 0x7f0000000000ULL, .vm_end = 0x7f0000200000ULL,
		.ip = 0x401234, .ino = ino, .first_ns = 1000, .last_ns = 5000,
		.pid = pid, .tgid = pid + 1000, .dev = ino ? 0x801 : 0,
		.outcome = outcome, .page_size = 4096, .flags = COWWATCH_EVF_HEAP,
	};

	mnl_attr_put(nlh, COWWATCH_A_COUNT, sizeof(c), &c);
}

static void test_counts(void)
{
	char buf[8192];
	struct cw_stream st = { .family = FAMILY };
	struct nlmsghdr *nlh = put_msg(buf, COWWATCH_CMD_COUNTS, 0);
	struct cowwatch_count c = { .count = 1, .pid = 5, .page_size = 4096 };
	struct nlattr *nest;
	struct seen s;

	nest = mnl_attr_nest_start(nlh, COWWATCH_A_FILE);
	mnl_attr_put_u32(nlh, COWWATCH_EV_DEV, 0x801);
	mnl_attr_put_u64(nlh, COWWATCH_EV_INO, 42);
	mnl_attr_put_strz(nlh, COWWATCH_EV_PATH, "/srv/data.bin");
	mnl_attr_nest_end(nlh, nest);
	put_count(nlh, 77, COWWATCH_OUT_FILE, 300, 42);
	put_count(nlh, 78, COWWATCH_OUT_COPY, 7, 0);
	mnl_attr_put_u64(nlh, COWWATCH_A_LOST, 11);
	report(decode(&st, &s, buf, nlh->nlmsg_len) == 0 && s.ncnt == 2 && s.nev == 0,
	       "counts: two records, no events");
	report(s.nfile_before_count == 1 && s.file_dev == 0x801 && s.file_ino == 42 &&
	       !strcmp(s.file_path, "/srv/data.bin"), "counts: the file named before its record");
	report(s.cnt[0].pid == 77 && s.cnt[0].tgid == 1077 && s.cnt[0].count == 300 &&
	       s.cnt[0].outcome == COWWATCH_OUT_FILE && s.cnt[0].page_size == 4096 &&
	       s.cnt[0].vm_start == 0x7f0000000000ULL && s.cnt[0].addr == s.cnt[0].vm_start &&
	       s.cnt[0].vm_end == 0x7f0000200000ULL && s.cnt[0].ip == 0x401234 &&
	       s.cnt[0].first_ns == 1000 && s.cnt[0].time_ns == 5000 && s.cnt[0].ino == 42 &&
	       s.cnt[0].dev == 0x801 && s.cnt[0].flags == COWWATCH_EVF_HEAP && !s.cnt[0].tid &&
	       !s.cnt[0].comm[0], "counts: every field of the first record");
	report(s.cnt[1].pid == 78 && s.cnt[1].count == 7 && s.cnt[1].ino == 0, "counts: second record");
	report(st.counted == 307 && st.lost_events == 11 && st.next_seq == 1,
	       "counts: stream counted 307 faults, lost 11");

	/* A record cut short, a zero count, a bad page size: each refused. */
	nlh = put_msg(buf, COWWATCH_CMD_COUNTS, 1);
	mnl_attr_put(nlh, COWWATCH_A_COUNT, sizeof(c) - 4, &c);
	report(decode(&st, &s, buf, nlh->nlmsg_len) == -EBADMSG && s.ncnt == 0,
	       "counts: a short record is malformed");
	nlh = put_msg(buf, COWWATCH_CMD_COUNTS, 2);
	c.count = 0;
	mnl_attr_put(nlh, COWWATCH_A_COUNT, sizeof(c), &c);
	c.count = 1;
	c.page_size = 4095;
	mnl_attr_put(nlh, COWWATCH_A_COUNT, sizeof(c), &c);
	c.page_size = 4096;
	c.outcome = COWWATCH_OUT_MAX + 1;
	mnl_attr_put(nlh, COWWATCH_A_COUNT, sizeof(c), &c);
	c.outcome = 0;
	mnl_attr_put(nlh, COWWATCH_A_COUNT, sizeof(c), &c);
	report(decode(&st, &s, buf, nlh->nlmsg_len) == -EBADMSG && s.ncnt == 1 &&
	       s.cnt[0].pid == 5, "counts: zero count, odd page size, unknown outcome refused; "
	       "the good record kept");
	/* A newer module's longer record: its head is this one. */
	nlh = put_msg(buf, COWWATCH_CMD_COUNTS, 3);
	{
		char longer[sizeof(c) + 8] = { 0 };

		memcpy(longer, &c, sizeof(c));
		mnl_attr_put(nlh, COWWATCH_A_COUNT, sizeof(longer), longer);
	}
	report(decode(&st, &s, buf, nlh->nlmsg_len) == 0 && s.ncnt == 1 && s.cnt[0].pid == 5,
	       "counts: a longer record is read by its head");
	/*
	 * An unpadded message, its last attribute reaching the aligned end:
	 * libmnl walks attributes up to there, past the message's bytes (the
	 * fuzzer's find). Refused whole, nothing read past the buffer.
	 */
	nlh = put_msg(buf, COWWATCH_CMD_COUNTS, 4);
	c.outcome = 0;
	mnl_attr_put(nlh, COWWATCH_A_COUNT, sizeof(c), &c);
	{
		/* The record's last byte is past the message, within its padding. */
		size_t cut = nlh->nlmsg_len - 1;
		char *exact = malloc(cut);

		nlh->nlmsg_len = (uint32_t)cut;
		memcpy(exact, buf, cut);
		report(exact && decode(&st, &s, exact, cut) == -EBADMSG && s.ncnt == 0,
		       "counts: an unpadded message is refused, not read past its end");
		free(exact);
	}
	/* A file without a path, or with inode 0, names nothing. */
	nlh = put_msg(buf, COWWATCH_CMD_COUNTS, 5);
	nest = mnl_attr_nest_start(nlh, COWWATCH_A_FILE);
	mnl_attr_put_u32(nlh, COWWATCH_EV_DEV, 1);
	mnl_attr_put_u64(nlh, COWWATCH_EV_INO, 0);
	mnl_attr_put_strz(nlh, COWWATCH_EV_PATH, "/x");
	mnl_attr_nest_end(nlh, nest);
	report(decode(&st, &s, buf, nlh->nlmsg_len) == -EBADMSG && !s.file_path[0],
	       "counts: a file of inode 0 is malformed");
}

static void test_exit_gone_and_batches(void)
{
	char buf[8192];
	struct cw_stream st = { .family = FAMILY };
	struct nlmsghdr *a, *b, *c;
	struct nlattr *nest;
	struct seen s;
	int rc;

	a = put_msg(buf, COWWATCH_CMD_EXIT, 0);
	mnl_attr_put_u32(a, COWWATCH_A_PID, 1234);
	mnl_attr_put_u32(a, COWWATCH_A_TGID, 4321);
	mnl_attr_put_u64(a, COWWATCH_A_TIME, 333);
	mnl_attr_put_strz(a, COWWATCH_A_COMM, "redis-server");
	nest = mnl_attr_nest_start(a, COWWATCH_A_COUNTERS);
	mnl_attr_put_u64(a, COWWATCH_OUT_COPY + 1, 1000);
	mnl_attr_put_u64(a, COWWATCH_OUT_REUSE + 1, 3);
	mnl_attr_put_u64(a, 200, 99);	/* an outcome this reader does not know */
	mnl_attr_put(a, 0, 0, NULL);	/* 64-bit alignment padding (type 0) */
	mnl_attr_nest_end(a, nest);
	b = put_msg((char *)a + a->nlmsg_len, COWWATCH_CMD_EVENTS, 1);
	put_event(b, 5, COWWATCH_OUT_FILE, 0x5000);
	c = put_msg((char *)b + b->nlmsg_len, COWWATCH_CMD_GONE, 2);
	report(decode(&st, &s, buf, a->nlmsg_len + b->nlmsg_len + c->nlmsg_len) == 0,
	       "three messages in one buffer");
	report(s.nex == 1 && s.ex[0].pid == 1234 && s.ex[0].tgid == 4321 &&
	       s.ex[0].counts[COWWATCH_OUT_COPY] == 1000 && s.ex[0].counts[COWWATCH_OUT_REUSE] == 3 &&
	       s.ex[0].counts[COWWATCH_OUT_ZERO] == 0, "exit counters by outcome");
	report(s.nev == 1 && s.ev[0].outcome == COWWATCH_OUT_FILE, "event between exit and goodbye");
	report(!strcmp(s.path, "/usr/lib/x86_64-linux-gnu/libc.so.6"), "the file's path (%s)", s.path);
	report(s.ex[0].time_ns == 333 && !strcmp(s.ex[0].comm, "redis-server"),
	       "exit: time and the main thread's name (%s)", s.ex[0].comm);
	report(s.gone == 1 && st.gone, "goodbye seen");

	/* Protocol 6: an EXIT carries the module's lost count, which only grows. */
	st = (struct cw_stream){ .family = FAMILY };
	a = put_msg(buf, COWWATCH_CMD_EXIT, 0);
	mnl_attr_put_u32(a, COWWATCH_A_PID, 1234);
	mnl_attr_put_u32(a, COWWATCH_A_TGID, 1234);
	mnl_attr_put_u64(a, COWWATCH_A_LOST, 9);
	nest = mnl_attr_nest_start(a, COWWATCH_A_COUNTERS);
	mnl_attr_put_u64(a, COWWATCH_OUT_COPY + 1, 12);
	mnl_attr_nest_end(a, nest);
	rc = decode(&st, &s, buf, a->nlmsg_len);
	report(rc == 0 && s.nex == 1 && st.lost_events == 9,
	       "exit: the lost count it carries (%llu)", (unsigned long long)st.lost_events);
	a = put_msg(buf, COWWATCH_CMD_GONE, 1);
	mnl_attr_put_u64(a, COWWATCH_A_LOST, 4);
	rc = decode(&st, &s, buf, a->nlmsg_len);
	report(rc == 0 && st.lost_events == 9,
	       "a smaller lost count does not lower it (%llu)", (unsigned long long)st.lost_events);

	a = put_msg(buf, COWWATCH_CMD_FORK, 3);
	mnl_attr_put_u32(a, COWWATCH_A_PID, 501);
	mnl_attr_put_u32(a, COWWATCH_A_PPID, 500);
	mnl_attr_put_strz(a, COWWATCH_A_COMM, "worker");
	mnl_attr_put_u64(a, COWWATCH_A_TIME, 111);
	b = put_msg((char *)a + a->nlmsg_len, COWWATCH_CMD_EXEC, 4);
	mnl_attr_put_u32(b, COWWATCH_A_PID, 501);
	mnl_attr_put_strz(b, COWWATCH_A_COMM, "a-very-long-command-name");
	mnl_attr_put_u64(b, COWWATCH_A_TIME, 222);
	report(decode(&st, &s, buf, a->nlmsg_len + b->nlmsg_len) == 0 && s.fork_parent == 500 &&
	       s.fork_child == 501, "fork: parent 500, child 501");
	report(!strcmp(s.fork.comm, "worker") && s.fork.time_ns == 111, "fork: comm and time");
	report(s.exec_pid == 501 && !strcmp(s.exec_comm, "a-very-long-com"),
	       "exec: pid and comm, cut to 15 characters (%s)", s.exec_comm);
	report(s.exec.time_ns == 222, "exec: time");
	a = put_msg(buf, COWWATCH_CMD_FORK, 5);
	mnl_attr_put_u32(a, COWWATCH_A_PID, 502);
	report(decode(&st, &s, buf, a->nlmsg_len) == -EBADMSG && !s.fork_child, "fork without parent refused");

	/* Another family's message in the buffer is not ours to decode. */
	a = put_msg(buf, COWWATCH_CMD_EVENTS, 6);
	a->nlmsg_type = FAMILY + 1;
	put_event(a, 5, COWWATCH_OUT_COPY, 0x5000);
	report(decode(&st, &s, buf, a->nlmsg_len) == 0 && s.nev == 0, "other family ignored");
}

static void test_malformed(void)
{
	char buf[8192];
	struct cw_stream st = { .family = FAMILY };
	struct nlmsghdr *nlh;
	struct seen s;
	size_t full;

	/* A record without a pid, then a good one, in one array. */
	nlh = put_msg(buf, COWWATCH_CMD_EVENTS, 0);
	{
		struct cowwatch_event e[2] = {
			record(0, COWWATCH_OUT_COPY, 0x1000), record(6, COWWATCH_OUT_COPY, 0x6000),
		};

		put_records(nlh, e, 2);
	}
	report(decode(&st, &s, buf, nlh->nlmsg_len) == -EBADMSG && s.nev == 1 && s.ev[0].pid == 6 &&
	       st.malformed == 1, "event without pid refused, the next one kept");

	/* An array that is not a whole number of records. */
	nlh = put_msg(buf, COWWATCH_CMD_EVENTS, 1);
	{
		struct cowwatch_event e[2] = {
			record(6, COWWATCH_OUT_COPY, 0x1000), record(7, COWWATCH_OUT_COPY, 0x2000),
		};

		mnl_attr_put(nlh, COWWATCH_A_EVENTS, sizeof(e) - 4, e);
	}
	report(decode(&st, &s, buf, nlh->nlmsg_len) == -EBADMSG && s.nev == 0,
	       "an array of a record and a bit refused whole");

	/* An outcome past the known ones. */
	nlh = put_msg(buf, COWWATCH_CMD_EVENTS, 2);
	put_event(nlh, 6, COWWATCH_OUT_MAX + 1, 0x1000);
	report(decode(&st, &s, buf, nlh->nlmsg_len) == -EBADMSG && s.nev == 0, "unknown outcome refused");

	/* A name without its NUL, and a page size that is no page size. */
	nlh = put_msg(buf, COWWATCH_CMD_EVENTS, 3);
	{
		struct cowwatch_event e[2] = {
			record(6, COWWATCH_OUT_COPY, 0x1000), record(7, COWWATCH_OUT_COPY, 0x2000),
		};

		memcpy(e[0].comm, "abcdefghijklmnop", 16);
		e[1].page_size = 12288;
		put_records(nlh, e, 2);
	}
	report(decode(&st, &s, buf, nlh->nlmsg_len) == -EBADMSG && s.nev == 1 &&
	       !strcmp(s.ev[0].comm, "abcdefghijklmno"),
	       "an unterminated name cut to 15 characters (%s); a 12 KiB page refused", s.ev[0].comm);

	/* An exit without counters, and a message shorter than its genl header. */
	nlh = put_msg(buf, COWWATCH_CMD_EXIT, 4);
	mnl_attr_put_u32(nlh, COWWATCH_A_PID, 5);
	report(decode(&st, &s, buf, nlh->nlmsg_len) == -EBADMSG && s.nex == 0, "exit without counters refused");
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = FAMILY;
	nlh->nlmsg_len += 2;
	report(decode(&st, &s, buf, nlh->nlmsg_len) == -EBADMSG, "message without genl header refused");

	/* Every truncation of a good message: no crash, never a partial event. */
	nlh = put_msg(buf, COWWATCH_CMD_EVENTS, 5);
	put_event(nlh, 6, COWWATCH_OUT_COPY, 0x6000);
	full = nlh->nlmsg_len;
	{
		int partial = 0;

		for (size_t len = 0; len < full; len++) {
			memset(&s, 0, sizeof(s));
			cw_proto_decode(&st, buf, len, &handlers, &s);
			partial += s.nev;
		}
		report(partial == 0, "%zu truncations decode no event", full);
	}
	/* A length field that claims more than the buffer holds. */
	nlh->nlmsg_len = 60000;
	report(decode(&st, &s, buf, full) == -EBADMSG && s.nev == 0, "overlong length field: refused");
	/* Past 2 GiB: libmnl alone would walk out of the buffer (a fuzzer find). */
	nlh->nlmsg_len = 0xc6500000u;
	report(decode(&st, &s, buf, full) == -EBADMSG && s.nev == 0, "length of 3 GiB: refused");
}

/* The order the handlers saw things in, as "event:PID exec:PID ahead:PID ...". */
static char order[4096];

static void log_seen(const char *what, pid_t pid)
{
	size_t used = strlen(order);

	snprintf(order + used, sizeof(order) - used, "%s:%d ", what, (int)pid);
}

static void log_event(void *ctx, const struct cw_event *ev)
{
	(void)ctx;
	log_seen("event", ev->pid);
}

static void log_fork(void *ctx, const struct cw_notice *n)
{
	(void)ctx;
	log_seen("fork", n->pid);
}

static void log_exec(void *ctx, const struct cw_notice *n)
{
	(void)ctx;
	log_seen("exec", n->pid);
}

static void log_ahead(void *ctx, const struct cw_notice *n)
{
	(void)ctx;
	log_seen("ahead", n->pid);
}

/* Sends one notification, as the module would, on @fd. */
static void send_msg(int fd, uint8_t cmd, uint32_t seq, uint32_t pid)
{
	char buf[4096];
	struct nlmsghdr *nlh = put_msg(buf, cmd, seq);

	if (cmd == COWWATCH_CMD_EVENTS) {
		put_event(nlh, pid, COWWATCH_OUT_COPY, 0x5000);
	} else {
		mnl_attr_put_u32(nlh, COWWATCH_A_PID, pid);
		if (cmd == COWWATCH_CMD_FORK)
			mnl_attr_put_u32(nlh, COWWATCH_A_PPID, pid - 10);
	}
	if (send(fd, buf, nlh->nlmsg_len, 0) != (ssize_t)nlh->nlmsg_len)
		report(0, "drain: send message %u", seq);
}

/*
 * cw_nl_drain_fd() on a socketpair standing in for netlink: an EXEC notice
 * queued behind others is seen ahead of them (its process's map can be
 * read while it runs), then everything is decoded in order, once.
 */
static void test_drain_ahead(void)
{
	const struct cw_handlers h = {
		.event = log_event, .fork = log_fork, .exec = log_exec, .exec_ahead = log_ahead,
	};
	struct cw_nl nl = { .buflen = 65536, .stream = { .family = FAMILY } };
	char expected[sizeof(order)];
	int sv[2], n;
	uint32_t seq = 0;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) {
		report(0, "drain: socketpair");
		return;
	}
	send_msg(sv[1], COWWATCH_CMD_EVENTS, seq++, 10);
	send_msg(sv[1], COWWATCH_CMD_FORK, seq++, 20);
	send_msg(sv[1], COWWATCH_CMD_EXEC, seq++, 20);
	send_msg(sv[1], COWWATCH_CMD_EVENTS, seq++, 20);
	order[0] = 0;
	n = cw_nl_drain_fd(&nl, sv[0], &h, NULL);
	report(n == 4, "drain: 4 messages read (%d)", n);
	report(!strcmp(order, "ahead:20 event:10 fork:20 exec:20 event:20 "),
	       "drain: the queued exec seen ahead, then all in order (%s)", order);
	report(nl.stream.next_seq == 4 && nl.stream.events == 2 && nl.stream.execs == 1 &&
	       nl.stream.forks == 1 && !nl.stream.lost_messages && !nl.stream.malformed,
	       "drain: the stream counts each message once");

	/* 40 queued: read in batches; an exec in the second batch is seen ahead of that batch. */
	for (int i = 0; i < 39; i++)
		send_msg(sv[1], COWWATCH_CMD_EVENTS, seq++, 30);
	send_msg(sv[1], COWWATCH_CMD_EXEC, seq++, 40);
	order[0] = 0;
	n = cw_nl_drain_fd(&nl, sv[0], &h, NULL);
	report(n == 40 && nl.stream.next_seq == 44 && !nl.stream.lost_messages,
	       "drain: 40 messages, in sequence (%d)", n);
	expected[0] = 0;
	for (int i = 0; i < 39; i++)
		strcat(expected, i == 32 ? "ahead:40 event:30 " : "event:30 ");
	strcat(expected, "exec:40 ");
	report(!strcmp(order, expected), "drain: batches of 32; the exec seen ahead of its batch");
	report(cw_nl_drain_fd(&nl, sv[0], &h, NULL) == 0, "drain: nothing left");

	/* One buffer, an event then an exec: only the exec is looked at; the stream stays. */
	{
		char buf[8192];
		struct nlmsghdr *a = put_msg(buf, COWWATCH_CMD_EVENTS, 50), *b;
		struct cw_stream before = nl.stream;

		put_event(a, 60, COWWATCH_OUT_COPY, 0x5000);
		b = put_msg((char *)a + a->nlmsg_len, COWWATCH_CMD_EXEC, 51);
		mnl_attr_put_u32(b, COWWATCH_A_PID, 61);
		order[0] = 0;
		cw_proto_look_ahead(&nl.stream, buf, a->nlmsg_len + b->nlmsg_len, &h, NULL);
		report(!strcmp(order, "ahead:61 ") && nl.stream.next_seq == before.next_seq &&
		       nl.stream.events == before.events && nl.stream.execs == before.execs,
		       "look ahead: the exec only, the stream untouched (%s)", order);
	}
	close(sv[1]);
	report(cw_nl_drain_fd(&nl, sv[0], &h, NULL) == 0, "drain: a closed socket ends the drain");
	close(sv[0]);
	cw_nl_close(&nl);
}

struct found_seen {
	struct cowwatch_found f[4];
	int n;
};

static void on_found(void *arg, const struct cowwatch_found *f)
{
	struct found_seen *fs = arg;

	if (fs->n < 4)
		fs->f[fs->n] = *f;
	fs->n++;
}

/* A WATCH reply as kmod/netlink.c puts it: @n records of pids 101.., MORE if @more. */
static struct nlmsghdr *put_found(char *buf, int n, int more)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	struct cowwatch_found v[3];

	nlh->nlmsg_type = FAMILY;
	g->cmd = COWWATCH_CMD_WATCH;
	g->version = COWWATCH_GENL_VERSION;
	memset(v, 0, sizeof(v));
	for (int i = 0; i < n && i < 3; i++) {
		v[i].pid = 101 + (uint32_t)i;
		v[i].ppid = 100;
		v[i].vsize = (uint64_t)(i + 1) << 32;	/* above 4 GiB: all 64 bits kept */
		snprintf(v[i].comm, sizeof(v[i].comm), "worker-%d", i);
	}
	/* A name that fills its field, with no NUL: delivered cut, terminated. */
	if (n == 3)
		memcpy(v[2].comm, "0123456789abcdef", sizeof(v[2].comm));
	mnl_attr_put(nlh, COWWATCH_A_FOUND, (size_t)n * sizeof(v[0]), v);
	mnl_attr_put_u32(nlh, COWWATCH_A_SEQ, 7);	/* an attribute not for us: skipped */
	if (more)
		mnl_attr_put(nlh, COWWATCH_A_MORE, 0, NULL);
	return nlh;
}

/* cw_proto_found(): the descendants a WATCH reply lists, and its malformed forms. */
static void test_found(void)
{
	char buf[1024] __attribute__((aligned(8)));
	struct found_seen fs = { 0 };
	struct nlmsghdr *nlh = put_found(buf, 3, 1);
	struct nlattr *attr;
	int ret;

	seed(buf, nlh->nlmsg_len);
	report(cw_proto_found(nlh, on_found, &fs) == 1, "found: MORE is seen");
	report(fs.n == 3 && fs.f[0].pid == 101 && fs.f[2].pid == 103 && fs.f[1].ppid == 100,
	       "found: 3 records, pids and parent as sent (got %d, pid %u)", fs.n, fs.f[0].pid);
	report(fs.f[1].vsize == (uint64_t)2 << 32 && !strcmp(fs.f[1].comm, "worker-1"),
	       "found: size and name as sent (%llu, %s)", (unsigned long long)fs.f[1].vsize,
	       fs.f[1].comm);
	report(!strcmp(fs.f[2].comm, "0123456789abcde"), "found: a full name is terminated (%s)",
	       fs.f[2].comm);

	memset(&fs, 0, sizeof(fs));
	nlh = put_found(buf, 2, 0);
	report(cw_proto_found(nlh, on_found, &fs) == 0 && fs.n == 2, "found: no MORE, 2 records");

	/* A record cut short: the whole ones before it are delivered, the reply is bad. */
	memset(&fs, 0, sizeof(fs));
	nlh = put_found(buf, 2, 0);
	attr = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct genlmsghdr));
	attr->nla_len -= 5;
	seed(buf, nlh->nlmsg_len);
	ret = cw_proto_found(nlh, on_found, &fs);
	report(ret == -EBADMSG && fs.n == 1,
	       "found: a cut record is malformed, the whole one delivered (%d, %d)", ret, fs.n);

	/* The message ends inside an attribute. */
	memset(&fs, 0, sizeof(fs));
	nlh = put_found(buf, 2, 0);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)) + 20;
	ret = cw_proto_found(nlh, on_found, &fs);
	report(ret == -EBADMSG && fs.n == 0,
	       "found: a message cut inside its list is malformed (%d, %d delivered)", ret, fs.n);

	/* No room for the generic header. */
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN;
	report(cw_proto_found(nlh, on_found, &fs) == -EBADMSG, "found: no generic header");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		seed_dir = argv[1];
	test_events();
	test_forged_name();
	test_stacks();
	test_counts();
	test_exit_gone_and_batches();
	test_malformed();
	test_drain_ahead();
	test_found();
	return unit_done();
}
