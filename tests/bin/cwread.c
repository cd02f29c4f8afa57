// SPDX-License-Identifier: GPL-2.0
/*
 * cwread: the minimal cowwatch reader the guest tests use.
 *
 *   cwread stats
 *   cwread [-b BYTES] [-c] [-d] [-t IDLE_MS] [-u PID] [-x PID] [-U UID] watch PID...
 *
 * "watch" sends WATCH for each PID (then UNWATCH for each -x PID), prints
 * "watching PID" for each, then prints one line per notification until the
 * EXIT of -u PID arrives, the module says it is going, no message came for
 * IDLE_MS, or a signal. Lines:
 *   msg seq=S lost=L events=N
 *   event pid= tgid= tid= comm= addr= ip= outcome= size= cpu= vm_start=
 *         vm_end= vm_flags= dev= ino= flags= seq=
 *   exit pid= tgid= copy= zero= file= ksm= reuse= shared= retry= error= split= seq=
 *   fork pid= ppid= seq=
 *   exec pid= comm= seq=
 *   gone lost= seq=
 *   count pid= tgid= outcome= n= size= vm_start= vm_end= ip= dev= ino=
 *         flags= first= last= seq=     (with -c)
 *   file dev= ino= path= seq=          (a file's path, before its records)
 * It asks for events (COWWATCH_WATCH_EVENTS); -c asks for counts instead
 * (COWWATCH_CMD_COUNTS, the default mode of cowwatch).
 * -b BYTES sets the socket's receive buffer (default 4 MiB; an unprivileged
 * reader gets at most net.core.rmem_max).
 * -d asks for existing descendants too (COWWATCH_WATCH_DESCENDANTS), again
 * while the reply says there are more: "found n= more=" per reply.
 * -U UID drops to that uid and gid first (in the guest, an unprivileged
 * process cannot load shared libraries over the 9p root, so setpriv
 * cannot start one). Exit status: 0; 2 a request failed (the line says which errno);
 * 3 no cowwatch family (module not loaded); 1 anything else.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "uapi/cowwatch.h"

static const char *const outcome_names[__COWWATCH_OUT_MAX] = {
	[COWWATCH_OUT_COPY] = "copy",	[COWWATCH_OUT_ZERO] = "zero",
	[COWWATCH_OUT_FILE] = "file",	[COWWATCH_OUT_KSM] = "ksm",
	[COWWATCH_OUT_REUSE] = "reuse", [COWWATCH_OUT_SHARED] = "shared",
	[COWWATCH_OUT_RETRY] = "retry", [COWWATCH_OUT_ERROR] = "error",
	[COWWATCH_OUT_SPLIT] = "split",
};

static struct mnl_socket *nl;
static unsigned int portid, seq;
static uint16_t family;
static long until_pid = -1;
static int done;
static int watch_more;	/* the last WATCH reply said COWWATCH_A_MORE */

static void die(const char *what)
{
	fprintf(stderr, "cwread: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct nlmsghdr *put_req(char *buf, uint16_t type, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = type == GENL_ID_CTRL ? 1 : COWWATCH_GENL_VERSION;
	return nlh;
}

static int family_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
		family = mnl_attr_get_u16(a);
	(void)data;
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr, data);
	return MNL_CB_OK;
}

static uint64_t u64_of(const struct nlattr *a)
{
	return mnl_attr_get_u64(a);
}

struct ev {
	const struct nlattr *tb[COWWATCH_EV_MAX + 1];
};

static int ev_attr(const struct nlattr *a, void *data)
{
	struct ev *ev = data;
	int t = mnl_attr_get_type(a);

	if (t > 0 && t <= COWWATCH_EV_MAX)
		ev->tb[t] = a;
	return MNL_CB_OK;
}

static uint64_t evu(struct ev *ev, int t)
{
	if (!ev->tb[t])
		return 0;
	if (mnl_attr_get_payload_len(ev->tb[t]) == 8)
		return u64_of(ev->tb[t]);
	return mnl_attr_get_u32(ev->tb[t]);
}

struct msg {
	const struct nlattr *tb[COWWATCH_A_MAX + 1];
	unsigned int nevents;
	uint32_t seq;
};

static void print_event(const struct cowwatch_event *e, uint32_t mseq)
{
	printf("event pid=%u tgid=%u tid=%u comm=%.16s addr=0x%" PRIx64 " ip=0x%" PRIx64
	       " outcome=%s size=%u cpu=%u vm_start=0x%" PRIx64 " vm_end=0x%" PRIx64
	       " vm_flags=0x%" PRIx64 " dev=%u ino=%" PRIu64 " flags=%u time=%" PRIu64 " seq=%u\n",
	       e->pid, e->tgid, e->tid, e->comm, (uint64_t)e->addr, (uint64_t)e->ip,
	       e->outcome < __COWWATCH_OUT_MAX ? outcome_names[e->outcome] : "?",
	       e->page_size, e->cpu, (uint64_t)e->vm_start, (uint64_t)e->vm_end,
	       (uint64_t)e->vm_flags, e->dev, (uint64_t)e->ino, e->flags, (uint64_t)e->time_ns,
	       mseq);
}

/* A COWWATCH_A_EVENTS array: fixed-size records, copied out one by one. */
static void print_events(const struct nlattr *a, uint32_t mseq)
{
	const char *p = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);
	struct cowwatch_event e;

	if (len % sizeof(e))
		printf("events malformed len=%zu seq=%u\n", len, mseq);
	for (size_t at = 0; at + sizeof(e) <= len; at += sizeof(e)) {
		memcpy(&e, p + at, sizeof(e));
		print_event(&e, mseq);
	}
}

static void print_count(const struct nlattr *a, uint32_t mseq)
{
	struct cowwatch_count c;

	if (mnl_attr_get_payload_len(a) < sizeof(c)) {
		printf("count malformed seq=%u\n", mseq);
		return;
	}
	memcpy(&c, mnl_attr_get_payload(a), sizeof(c));
	printf("count pid=%u tgid=%u outcome=%s n=%" PRIu64 " size=%u vm_start=0x%" PRIx64
	       " vm_end=0x%" PRIx64 " ip=0x%" PRIx64 " dev=%u ino=%" PRIu64 " flags=%u"
	       " first=%" PRIu64 " last=%" PRIu64 " seq=%u\n",
	       c.pid, c.tgid, c.outcome < __COWWATCH_OUT_MAX ? outcome_names[c.outcome] : "?",
	       (uint64_t)c.count, c.page_size, (uint64_t)c.vm_start, (uint64_t)c.vm_end,
	       (uint64_t)c.ip, c.dev, (uint64_t)c.ino, c.flags, (uint64_t)c.first_ns,
	       (uint64_t)c.last_ns, mseq);
}

static void print_file(const struct nlattr *nest, uint32_t mseq)
{
	struct ev ev = { 0 };

	mnl_attr_parse_nested(nest, ev_attr, &ev);
	printf("file dev=%" PRIu64 " ino=%" PRIu64 " path=%s seq=%u\n",
	       evu(&ev, COWWATCH_EV_DEV), evu(&ev, COWWATCH_EV_INO),
	       ev.tb[COWWATCH_EV_PATH] ? mnl_attr_get_str(ev.tb[COWWATCH_EV_PATH]) : "?", mseq);
}

static int msg_attr(const struct nlattr *a, void *data)
{
	struct msg *m = data;
	int t = mnl_attr_get_type(a);

	if (t == COWWATCH_A_EVENTS)
		m->nevents += mnl_attr_get_payload_len(a) / sizeof(struct cowwatch_event);
	else if (t > 0 && t <= COWWATCH_A_MAX)
		m->tb[t] = a;
	return MNL_CB_OK;
}

static int counters_attr(const struct nlattr *a, void *data)
{
	uint64_t *c = data;
	int t = mnl_attr_get_type(a);

	if (t >= 1 && t <= __COWWATCH_OUT_MAX)
		c[t - 1] = u64_of(a);
	return MNL_CB_OK;
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct msg m = { 0 };

	(void)data;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), msg_attr, &m);
	printf("wp_hits=%" PRIu64 " wp_watched=%" PRIu64 " rmap_hits=%" PRIu64
	       " nmissed=%" PRIu64 " lost=%" PRIu64 " watched=%u armed=%u bytes_per_cpu=%" PRIu64
	       " rmap_symbol=%s\n",
	       m.tb[COWWATCH_A_STAT_WP_HITS] ? u64_of(m.tb[COWWATCH_A_STAT_WP_HITS]) : 0,
	       m.tb[COWWATCH_A_STAT_WP_WATCHED] ? u64_of(m.tb[COWWATCH_A_STAT_WP_WATCHED]) : 0,
	       m.tb[COWWATCH_A_STAT_RMAP_HITS] ? u64_of(m.tb[COWWATCH_A_STAT_RMAP_HITS]) : 0,
	       m.tb[COWWATCH_A_STAT_NMISSED] ? u64_of(m.tb[COWWATCH_A_STAT_NMISSED]) : 0,
	       m.tb[COWWATCH_A_STAT_LOST] ? u64_of(m.tb[COWWATCH_A_STAT_LOST]) : 0,
	       m.tb[COWWATCH_A_STAT_WATCHED] ? mnl_attr_get_u32(m.tb[COWWATCH_A_STAT_WATCHED]) : 0,
	       m.tb[COWWATCH_A_STAT_ARMED] ? mnl_attr_get_u32(m.tb[COWWATCH_A_STAT_ARMED]) : 0,
	       m.tb[COWWATCH_A_STAT_BYTES_PER_CPU] ? u64_of(m.tb[COWWATCH_A_STAT_BYTES_PER_CPU]) : 0,
	       m.tb[COWWATCH_A_STAT_RMAP_SYMBOL] ? mnl_attr_get_str(m.tb[COWWATCH_A_STAT_RMAP_SYMBOL]) : "?");
	return MNL_CB_OK;
}

static int notify_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct msg m = { 0 };
	const struct nlattr *a;

	(void)data;
	if (nlh->nlmsg_type != family)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*g), msg_attr, &m);
	m.seq = m.tb[COWWATCH_A_SEQ] ? mnl_attr_get_u32(m.tb[COWWATCH_A_SEQ]) : 0;
	switch (g->cmd) {
	case COWWATCH_CMD_EVENTS:
		printf("msg seq=%u lost=%" PRIu64 " events=%u\n", m.seq,
		       m.tb[COWWATCH_A_LOST] ? u64_of(m.tb[COWWATCH_A_LOST]) : 0,
		       m.nevents);
		mnl_attr_for_each(a, nlh, sizeof(*g)) {
			if (mnl_attr_get_type(a) == COWWATCH_A_EVENTS)
				print_events(a, m.seq);
			else if (mnl_attr_get_type(a) == COWWATCH_A_FILE)
				print_file(a, m.seq);
		}
		break;
	case COWWATCH_CMD_COUNTS:
		printf("msg seq=%u lost=%" PRIu64 " counts\n", m.seq,
		       m.tb[COWWATCH_A_LOST] ? u64_of(m.tb[COWWATCH_A_LOST]) : 0);
		mnl_attr_for_each(a, nlh, sizeof(*g)) {
			if (mnl_attr_get_type(a) == COWWATCH_A_COUNT)
				print_count(a, m.seq);
			else if (mnl_attr_get_type(a) == COWWATCH_A_FILE)
				print_file(a, m.seq);
		}
		break;
	case COWWATCH_CMD_EXIT: {
		uint64_t c[__COWWATCH_OUT_MAX] = { 0 };
		uint32_t pid = m.tb[COWWATCH_A_PID] ? mnl_attr_get_u32(m.tb[COWWATCH_A_PID]) : 0;
		int i;

		if (m.tb[COWWATCH_A_COUNTERS])
			mnl_attr_parse_nested(m.tb[COWWATCH_A_COUNTERS], counters_attr, c);
		printf("exit pid=%u tgid=%u", pid,
		       m.tb[COWWATCH_A_TGID] ? mnl_attr_get_u32(m.tb[COWWATCH_A_TGID]) : 0);
		for (i = 0; i < __COWWATCH_OUT_MAX; i++)
			printf(" %s=%" PRIu64, outcome_names[i], c[i]);
		printf(" seq=%u\n", m.seq);
		if ((long)pid == until_pid)
			done = 1;
		break;
	}
	case COWWATCH_CMD_FORK:
		printf("fork pid=%u ppid=%u seq=%u\n",
		       m.tb[COWWATCH_A_PID] ? mnl_attr_get_u32(m.tb[COWWATCH_A_PID]) : 0,
		       m.tb[COWWATCH_A_PPID] ? mnl_attr_get_u32(m.tb[COWWATCH_A_PPID]) : 0, m.seq);
		break;
	case COWWATCH_CMD_EXEC:
		printf("exec pid=%u comm=%s seq=%u\n",
		       m.tb[COWWATCH_A_PID] ? mnl_attr_get_u32(m.tb[COWWATCH_A_PID]) : 0,
		       m.tb[COWWATCH_A_COMM] ? mnl_attr_get_str(m.tb[COWWATCH_A_COMM]) : "", m.seq);
		break;
	case COWWATCH_CMD_WATCH:
		/* The descendants a WATCH with -d watched anew; MORE: ask again. */
		watch_more = m.tb[COWWATCH_A_MORE] != NULL;
		printf("found n=%zu more=%d\n",
		       m.tb[COWWATCH_A_FOUND] ? mnl_attr_get_payload_len(m.tb[COWWATCH_A_FOUND]) /
						sizeof(struct cowwatch_found) : 0,
		       watch_more);
		break;
	case COWWATCH_CMD_GONE:
		printf("gone lost=%" PRIu64 " seq=%u\n",
		       m.tb[COWWATCH_A_LOST] ? u64_of(m.tb[COWWATCH_A_LOST]) : 0, m.seq);
		done = 1;
		break;
	default:
		printf("unknown cmd=%u\n", g->cmd);
	}
	fflush(stdout);
	return MNL_CB_OK;
}

/* Sends a request and handles what comes until its ack; returns -errno. */
static int request(struct nlmsghdr *nlh, mnl_cb_t cb)
{
	static char buf[65536];
	unsigned int want = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("send");
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			die("recv");
		ret = mnl_cb_run(buf, n, want, portid, cb, NULL);
		if (ret == MNL_CB_ERROR)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static const char *errname(int err)
{
	switch (err) {
	case EPERM: return "EPERM";
	case ESRCH: return "ESRCH";
	case EBUSY: return "EBUSY";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	default: return "E?";
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	static char rbuf[65536];
	struct nlmsghdr *nlh;
	long idle_ms = 0, unwatch[16];
	int nunwatch = 0, opt, rcvbuf = 4 << 20, i, err, descendants = 0, counts = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A script's background job inherits SIGINT ignored: end on it anyway. */
	signal(SIGINT, SIG_DFL);
	while ((opt = getopt(argc, argv, "b:cdt:u:x:U:")) != -1) {
		switch (opt) {
		case 'b': rcvbuf = atoi(optarg); break;
		case 'c': counts = 1; break;
		case 'd': descendants = 1; break;
		case 'U':
			if (setgroups(0, NULL) || setgid(atoi(optarg)) ||
			    setuid(atoi(optarg)))
				die("dropping privileges");
			break;
		case 't': idle_ms = atol(optarg); break;
		case 'u': until_pid = atol(optarg); break;
		case 'x':
			if (nunwatch < 16)
				unwatch[nunwatch++] = atol(optarg);
			break;
		default:
			fprintf(stderr, "usage: cwread stats | cwread [-b BYTES] [-c] [-d] [-t MS] [-u PID] [-x PID] [-U UID] watch PID...\n");
			return 1;
		}
	}
	if (optind >= argc)
		return 1;

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl)
		die("socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("bind");
	portid = mnl_socket_get_portid(nl);
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));

	nlh = put_req(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, COWWATCH_GENL_NAME);
	err = request(nlh, family_cb);
	if (err || !family) {
		printf("no family %s: %s\n", COWWATCH_GENL_NAME, strerror(-err));
		return 3;
	}

	if (!strcmp(argv[optind], "stats")) {
		nlh = put_req(buf, family, COWWATCH_CMD_GET_STATS);
		err = request(nlh, stats_cb);
		if (err) {
			printf("error stats: %s (%s)\n", strerror(-err), errname(-err));
			return 2;
		}
		return 0;
	}
	if (strcmp(argv[optind], "watch"))
		return 1;
	for (i = optind + 1; i < argc; i++) {
		do {
			nlh = put_req(buf, family, COWWATCH_CMD_WATCH);
			mnl_attr_put_u32(nlh, COWWATCH_A_PID, (uint32_t)atol(argv[i]));
			mnl_attr_put_u32(nlh, COWWATCH_A_WATCH_FLAGS,
					 (descendants ? COWWATCH_WATCH_DESCENDANTS : 0) |
					 (counts ? 0 : COWWATCH_WATCH_EVENTS));
			watch_more = 0;
			err = request(nlh, notify_cb);
		} while (!err && watch_more);
		if (err) {
			printf("error watch %s: %s (%s)\n", argv[i], strerror(-err),
			       errname(-err));
			return 2;
		}
		printf("watching %s\n", argv[i]);
	}
	for (i = 0; i < nunwatch; i++) {
		nlh = put_req(buf, family, COWWATCH_CMD_UNWATCH);
		mnl_attr_put_u32(nlh, COWWATCH_A_PID, (uint32_t)unwatch[i]);
		err = request(nlh, notify_cb);
		if (err) {
			printf("error unwatch %ld: %s (%s)\n", unwatch[i],
			       strerror(-err), errname(-err));
			return 2;
		}
		printf("unwatched %ld\n", unwatch[i]);
	}

	while (!done) {
		struct pollfd pfd = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };
		long start = now_ms();
		ssize_t n;
		int r = poll(&pfd, 1, idle_ms > 0 ? (int)idle_ms : -1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll");
		if (r == 0 || (idle_ms > 0 && now_ms() - start > idle_ms && !(pfd.revents & POLLIN))) {
			printf("idle\n");
			break;
		}
		n = recv(pfd.fd, rbuf, sizeof(rbuf), 0);
		if (n < 0 && errno == ENOBUFS) {
			printf("enobufs\n");
			continue;
		}
		if (n < 0)
			die("recv");
		if (mnl_cb_run(rbuf, n, 0, portid, notify_cb, NULL) == MNL_CB_ERROR)
			die("parse");
	}
	mnl_socket_close(nl);
	return 0;
}
