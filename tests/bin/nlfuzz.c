// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: sends the cowwatch netlink family requests of every kind, well
 * and badly formed, and checks that each gets its answer.
 *
 *   nlfuzz [-n COUNT] [-s SEED] [-j SOCKETS] [-U UID] [-t PID] [-f PID]
 *
 * Each of SOCKETS processes (default 4) opens its own socket and sends
 * COUNT requests (default 2000) from SEED (default: the time, printed):
 * two in five plausible (WATCH, UNWATCH or GET_STATS with a pid and known
 * flags), the others command numbers 0-255 (half of them the family's
 * own), random versions
 * and netlink flags, zero to six attributes of random and known types with
 * random lengths and contents, known ones with edge values (pids -1, 0,
 * 1, 2^31-1, 2^32-1, the target's, its own; every flag bit), nests of
 * garbage, attribute lengths that overrun the message or undercut the
 * header, and message lengths that cut the genetlink header. Every request
 * asks for an ack, so every one must be answered by an error or an ack
 * (after the reply of a GET_STATS) with its sequence number, within 10 s:
 * anything else is a failure. Notifications that arrive meanwhile (the
 * socket may watch something) are counted and checked to be well formed.
 *
 * -t PID is a process that others watch: with -U (the fuzzer drops to UID
 * first), no request may watch or unwatch it (WATCH and UNWATCH of it must
 * fail) and no notification may name it. -f PID: a process the fuzzer may
 * watch (its own child, say), used as one of the pids.
 *
 * Output: one line per socket, "socket N: sent= acked= errors= notices=",
 * then "ok" or "FAIL: ..." lines; exit status 0 only if every check held.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "uapi/cowwatch.h"

#define BUF_SIZE	8192
#define REPLY_TIMEOUT_MS 10000

static struct mnl_socket *nl;
static unsigned int portid;
static uint16_t family;
static long target_pid = -1, free_pid = -1;
static int unprivileged;
static uint64_t rng;

struct tally {
	unsigned long sent, acked, errors, notices, bad;
	char why[200];
};

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned int pick(unsigned int n)
{
	return (unsigned int)(next_rand() % n);
}

static void fail(struct tally *t, const char *why)
{
	if (!t->bad++)
		snprintf(t->why, sizeof(t->why), "%s", why);
}

/* A pid worth trying: edge values, the target, ourselves, random ones. */
static uint32_t some_pid(void)
{
	static const uint32_t edges[] = { 0, 1, 0xffffffffu, 0x7fffffffu, 0x80000000u, 2 };

	switch (pick(6)) {
	case 0:
		return edges[pick(sizeof(edges) / sizeof(edges[0]))];
	case 1:
		return target_pid > 0 ? (uint32_t)target_pid : 1;
	case 2:
		return free_pid > 0 ? (uint32_t)free_pid : (uint32_t)getpid();
	case 3:
		return (uint32_t)getpid();
	default:
		return 1 + pick(40000);
	}
}

static void put_random(struct nlmsghdr *nlh, uint16_t type, size_t max)
{
	char data[96];
	size_t len = pick(max + 1);

	for (size_t i = 0; i < len; i++)
		data[i] = (char)next_rand();
	mnl_attr_put(nlh, type, len, data);
}

/* Zero to six attributes, known and unknown, well and badly formed. */
static void put_attrs(struct nlmsghdr *nlh)
{
	unsigned int n = pick(7);

	for (unsigned int i = 0; i < n && nlh->nlmsg_len < BUF_SIZE - 256; i++) {
		uint16_t type = pick(4) ? (uint16_t)pick(COWWATCH_A_MAX + 3) : (uint16_t)next_rand();

		switch (pick(6)) {
		case 0:		/* a pid where one belongs */
			mnl_attr_put_u32(nlh, COWWATCH_A_PID, some_pid());
			break;
		case 1:		/* flags, any bits */
			mnl_attr_put_u32(nlh, COWWATCH_A_WATCH_FLAGS,
					 pick(2) ? (uint32_t)next_rand() : 1u << pick(32));
			break;
		case 2: {	/* a nest of garbage */
			struct nlattr *nest = mnl_attr_nest_start(nlh, type);

			put_random(nlh, (uint16_t)pick(20), 24);
			if (pick(2))
				put_random(nlh, (uint16_t)next_rand(), 40);
			mnl_attr_nest_end(nlh, nest);
			break;
		}
		case 3:		/* a known type with a wrong length */
			put_random(nlh, (uint16_t)(1 + pick(COWWATCH_A_MAX)), pick(2) ? 3 : 90);
			break;
		default:
			put_random(nlh, type, 64);
		}
	}
	/* Sometimes an attribute whose length lies about what follows. */
	if (!pick(8) && nlh->nlmsg_len + 8 < BUF_SIZE) {
		struct nlattr *a = (struct nlattr *)((char *)nlh + nlh->nlmsg_len);

		a->nla_type = (uint16_t)pick(COWWATCH_A_MAX + 1);
		a->nla_len = pick(2) ? (uint16_t)(8 + pick(4000)) : (uint16_t)pick(4);
		memset(a + 1, 0, 4);
		nlh->nlmsg_len += 8;
	}
}

/*
 * A request the family could take: WATCH, UNWATCH or GET_STATS, the right
 * version, a pid and maybe flags of the known bits, so that the fuzzing
 * reaches past the parsing into watching, following and unwatching.
 */
static struct nlmsghdr *build_plausible(char *buf, unsigned int seq, uint8_t *cmd_out)
{
	static const uint8_t cmds[] = { COWWATCH_CMD_WATCH, COWWATCH_CMD_WATCH, COWWATCH_CMD_UNWATCH,
					COWWATCH_CMD_GET_STATS };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmds[pick(sizeof(cmds))];
	g->version = COWWATCH_GENL_VERSION;
	mnl_attr_put_u32(nlh, COWWATCH_A_PID, some_pid());
	if (pick(2))
		mnl_attr_put_u32(nlh, COWWATCH_A_WATCH_FLAGS, pick(8));
	*cmd_out = g->cmd;
	return nlh;
}

static struct nlmsghdr *build(char *buf, unsigned int seq, uint8_t *cmd_out)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	uint8_t cmd = pick(2) ? (uint8_t)(1 + pick(COWWATCH_CMD_MAX)) : (uint8_t)pick(256);

	if (pick(5) < 2)
		return build_plausible(buf, seq, cmd_out);

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (!pick(8))
		nlh->nlmsg_flags |= (uint16_t)(next_rand() & (NLM_F_DUMP | NLM_F_ECHO | NLM_F_EXCL));
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = pick(4) ? COWWATCH_GENL_VERSION : (uint8_t)next_rand();
	put_attrs(nlh);
	/* Sometimes the message is cut short, into the attributes or the header. */
	if (!pick(16))
		nlh->nlmsg_len = sizeof(*nlh) + pick((unsigned int)(nlh->nlmsg_len - sizeof(*nlh)) + 1);
	*cmd_out = cmd;
	return nlh;
}

/* A notification: well formed, and under -U never about the target. */
static void check_notice(struct tally *t, const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	t->notices++;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(struct genlmsghdr)) {
		fail(t, "a notification shorter than its genetlink header");
		return;
	}
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (unprivileged && target_pid > 0 &&
		    (mnl_attr_get_type(a) == COWWATCH_A_PID || mnl_attr_get_type(a) == COWWATCH_A_PPID) &&
		    mnl_attr_get_payload_len(a) == 4 && mnl_attr_get_u32(a) == (uint32_t)target_pid)
			fail(t, "an unprivileged socket was told about the target");
	}
}

/*
 * Reads until the error or ack of @seq; -1 on a timeout or a socket error.
 * Sets *@err to the request's error (0: acked).
 */
static int await(struct tally *t, unsigned int seq, int *err)
{
	static char rbuf[1 << 16];
	int waited = 0;

	for (;;) {
		struct pollfd pfd = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 100) == 0) {
			waited += 100;
			if (waited >= REPLY_TIMEOUT_MS)
				return -1;
			continue;
		}
		n = recv(pfd.fd, rbuf, sizeof(rbuf), 0);
		if (n < 0 && errno == ENOBUFS)
			continue;	/* notifications overflowed: not a reply lost */
		if (n < 0)
			return -1;
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, (int)n);
		     nlh = mnl_nlmsg_next(nlh, (int *)&n)) {
			if (nlh->nlmsg_seq == seq && nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				*err = -e->error;
				return 0;
			}
			if (nlh->nlmsg_seq == 0 && nlh->nlmsg_type == family)
				check_notice(t, nlh);
			else if (nlh->nlmsg_seq != seq)
				fail(t, "a message with another request's sequence number");
		}
	}
}

static int open_socket(void)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	static char rbuf[8192];
	const struct nlattr *a;
	ssize_t n;

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, COWWATCH_GENL_NAME);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
	if (n <= 0)
		return -1;
	nlh = (struct nlmsghdr *)rbuf;
	if (nlh->nlmsg_type == NLMSG_ERROR)
		return -1;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			family = mnl_attr_get_u16(a);
	return family ? 0 : -1;
}

/* With -U: a WATCH or UNWATCH naming the target must have failed. */
static void check_target(struct tally *t, const char *buf, uint8_t cmd, int err)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	const struct nlattr *a;
	long pid = -1;

	if (!unprivileged || target_pid <= 0 || err ||
	    (cmd != COWWATCH_CMD_WATCH && cmd != COWWATCH_CMD_UNWATCH) ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(struct genlmsghdr))
		return;
	/* The kernel's parser keeps the last attribute of a type. */
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == COWWATCH_A_PID && mnl_attr_get_payload_len(a) == 4)
			pid = mnl_attr_get_u32(a);
	if (pid == target_pid)
		fail(t, cmd == COWWATCH_CMD_WATCH ? "an unprivileged WATCH of the target succeeded" :
			"an unprivileged UNWATCH of the target succeeded");
}

static int fuzz(int index, unsigned long count)
{
	static char buf[BUF_SIZE];
	struct tally t = { 0 };

	if (open_socket()) {
		printf("socket %d: FAIL: cannot open the family: %s\n", index, strerror(errno));
		return 1;
	}
	for (unsigned long i = 0; i < count && !t.bad; i++) {
		unsigned int seq = (unsigned int)i + 2;
		uint8_t cmd;
		struct nlmsghdr *nlh;
		int err = 0;

		memset(buf, 0, sizeof(buf));
		nlh = build(buf, seq, &cmd);
		if (mnl_socket_sendto(nl, buf, nlh->nlmsg_len) < 0) {
			/* The kernel refuses a message shorter than its header at send. */
			if (errno == EINVAL || errno == ENOBUFS)
				continue;
			fail(&t, "send failed");
			break;
		}
		t.sent++;
		if (await(&t, seq, &err)) {
			char why[120];

			snprintf(why, sizeof(why), "no answer within %d ms to command %u (request %lu)",
				 REPLY_TIMEOUT_MS, cmd, i);
			fail(&t, why);
			break;
		}
		if (err)
			t.errors++;
		else
			t.acked++;
		check_target(&t, buf, cmd, err);
	}
	printf("socket %d: sent=%lu acked=%lu errors=%lu notices=%lu%s%s\n", index, t.sent, t.acked,
	       t.errors, t.notices, t.bad ? " FAIL: " : "", t.bad ? t.why : "");
	mnl_socket_close(nl);
	return t.bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long count = 2000;
	uint64_t seed = (uint64_t)time(NULL);
	int sockets = 4, opt, failed = 0;
	long uid = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "n:s:j:U:t:f:")) != -1) {
		switch (opt) {
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'j': sockets = atoi(optarg); break;
		case 'U': uid = atol(optarg); break;
		case 't': target_pid = atol(optarg); break;
		case 'f': free_pid = atol(optarg); break;
		default:
			fprintf(stderr, "usage: nlfuzz [-n COUNT] [-s SEED] [-j SOCKETS] [-U UID] [-t PID] [-f PID]\n");
			return 2;
		}
	}
	if (uid >= 0) {
		if (setgroups(0, NULL) || setgid((gid_t)uid) || setuid((uid_t)uid)) {
			perror("nlfuzz: dropping privileges");
			return 2;
		}
		unprivileged = 1;
	}
	printf("seed %" PRIu64 " uid %d sockets %d count %lu\n", seed, (int)getuid(), sockets, count);
	for (int i = 0; i < sockets; i++) {
		pid_t p = fork();

		if (p < 0)
			return 2;
		if (p == 0) {
			rng = seed * 2654435761u + (uint64_t)i * 0x9e3779b97f4a7c15ull + 1;
			_exit(fuzz(i, count));
		}
	}
	for (int i = 0; i < sockets; i++) {
		int status;

		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	}
	puts(failed ? "FAIL" : "ok");
	return failed;
}
