// SPDX-License-Identifier: GPL-2.0
/* The reader's generic netlink socket. */
#include "nl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

/* Kernel notifications are at most a page or two; recv() takes one at a time. */
#define RECV_BUF ((size_t)64 * 1024)
/* The largest request: a family name or a pid and flags, with headers. */
#define REQUEST_MAX 256
/*
 * Socket receive buffer: room for bursts while the reader is busy. With
 * CAP_NET_ADMIN the system limit (rmem_max) does not apply.
 */
#define SOCK_RCVBUF (32 * 1024 * 1024)
/*
 * Notifications a drain reads before it decodes them: an EXEC notice queued
 * behind a busy reader's backlog is seen (and its process's memory map
 * read) before the backlog is worked through, not after.
 */
#define DRAIN_AHEAD 32
/* How long a request waits for its answer once the socket falls silent. */
#define REPLY_TIMEOUT_MS 5000

static struct nlmsghdr *put_request(struct cw_nl *nl, uint16_t type, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	/*
	 * libmnl leaves attribute padding as it finds it: send no stale bytes.
	 * A request is a header and a few small attributes: clearing all of
	 * the buffer, 8 KiB, each time was the biggest cost in the reader's
	 * own code when it watched 1000 processes.
	 */
	memset(nl->buf, 0, REQUEST_MAX);
	nlh = mnl_nlmsg_put_header(nl->buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

struct reply {
	struct cw_nl *nl;
	uint32_t seq;
	int done, err;
	int (*data)(const struct nlmsghdr *nlh, void *arg);
	void *arg;
	const struct cw_handlers *h;
	void *ctx;
};

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * One read of the socket while a request waits: the bytes read, 0 to read
 * again, or -errno. The wait ends REPLY_TIMEOUT_MS after the socket first
 * fell silent for a whole SO_RCVTIMEO: set there, not at each request, as
 * watching 1000 processes would read the clock 1000 times (a system call
 * where the clock source has no vDSO read, as in a TCG guest).
 */
static ssize_t recv_answer(struct cw_nl *nl, uint64_t *deadline)
{
	ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, nl->buflen);
	int err = errno;
	uint64_t now;

	if (n >= 0) {
		/*
		 * Any local process may send to our port: an answer is
		 * handed to libmnl only as far as it is framed whole.
		 */
		size_t whole = cw_proto_whole(nl->buf, (size_t)n);

		if (whole < (size_t)n)
			nl->stream.malformed++;
		return (ssize_t)whole;
	}
	if (err == ENOBUFS) {
		nl->overruns++;
		return 0;
	}
	if (err != EAGAIN && err != EINTR)
		return -err;
	now = ms_now();
	if (!*deadline)
		*deadline = now + REPLY_TIMEOUT_MS;
	if (now < *deadline)
		return 0;
	return err == EAGAIN ? -ETIMEDOUT : -err;
}

/*
 * Reads until the answer to request @r->seq arrived: its data messages go
 * to r->data, its ACK or error ends the wait, and notifications that
 * arrive in between are decoded as usual.
 */
static int wait_reply(struct reply *r)
{
	uint64_t deadline = 0;
	struct cw_nl *nl = r->nl;

	while (!r->done) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->buf;
		ssize_t n = recv_answer(nl, &deadline);

		if (n < 0)
			return (int)n;
		if (!n)
			continue;
		/* Notifications carry sequence number 0; requests count from 1. */
		if (nlh->nlmsg_seq != r->seq) {
			cw_proto_decode(&nl->stream, nl->buf, (size_t)n, r->h, r->ctx);
			continue;
		}
		switch (mnl_cb_run(nl->buf, (size_t)n, r->seq, nl->portid, r->data, r->arg)) {
		case MNL_CB_ERROR:
			r->err = -errno;
			r->done = 1;
			break;
		case MNL_CB_STOP:
			r->done = 1;
			break;
		default:
			/* Data without the ACK yet: keep reading. */
			break;
		}
	}
	return r->err;
}

static int request(struct cw_nl *nl, struct nlmsghdr *nlh,
		   int (*data)(const struct nlmsghdr *, void *), void *arg,
		   const struct cw_handlers *h, void *ctx)
{
	struct reply r = { .nl = nl, .seq = nlh->nlmsg_seq, .data = data, .arg = arg,
			   .h = h, .ctx = ctx };

	if (nlh->nlmsg_len > REQUEST_MAX)
		return -EMSGSIZE;	/* put_request() cleared only REQUEST_MAX bytes */
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return wait_reply(&r);
}

struct family_info {
	uint16_t id;
	uint32_t version;
};

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct family_info *f = data;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
			f->id = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			f->version = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, GENL_HDRLEN, family_attr_cb, data);
	return MNL_CB_OK;
}

/*
 * Sets the socket's receive buffer to @bytes (the kernel doubles it): over
 * the system's limit with CAP_NET_ADMIN, else up to it.
 */
static void set_rcvbuf(int fd, int bytes)
{
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}

int cw_nl_open(struct cw_nl *nl, int rcvbuf)
{
	struct family_info fam = { 0 };
	struct nlmsghdr *nlh;
	struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
	int err;

	memset(nl, 0, sizeof(*nl));
	nl->buflen = RECV_BUF;
	nl->buf = malloc(nl->buflen);
	if (!nl->buf)
		return -ENOMEM;
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		err = -errno;
		goto fail;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	set_rcvbuf(mnl_socket_get_fd(nl->sock), rcvbuf ? rcvbuf : SOCK_RCVBUF);
	/* Blocking reads (while waiting for an answer) wake up to check the deadline. */
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	nlh = put_request(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, COWWATCH_GENL_NAME);
	err = request(nl, nlh, family_cb, &fam, NULL, NULL);
	if (err)
		goto fail;	/* -ENOENT: no such family */
	if (!fam.id) {
		err = -ENOENT;
		goto fail;
	}
	nl->stream.family = fam.id;
	nl->family_version = fam.version;
	if (fam.version != COWWATCH_GENL_VERSION) {
		err = -EPROTO;
		goto fail_keep_version;
	}
	return 0;
fail:
	nl->family_version = 0;
fail_keep_version:
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
	free(nl->buf);
	nl->buf = NULL;
	free(nl->ahead);
	nl->ahead = NULL;
	return err;
}

int cw_nl_family_present(struct cw_nl *nl, const struct cw_handlers *h, void *ctx)
{
	struct family_info fam = { 0 };
	struct nlmsghdr *nlh = put_request(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	int err;

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, COWWATCH_GENL_NAME);
	err = request(nl, nlh, family_cb, &fam, h, ctx);
	if (err == -ENOENT)
		return 0;
	return err ? err : fam.id == nl->stream.family;
}

void cw_nl_close(struct cw_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	free(nl->ahead);
	nl->sock = NULL;
	nl->buf = NULL;
	nl->ahead = NULL;
}

int cw_nl_fd(const struct cw_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

/* A request about @pid; its data messages (a WATCH reply) go to @data. */
static int pid_request(struct cw_nl *nl, uint8_t cmd, pid_t pid, uint32_t flags,
		       int (*data)(const struct nlmsghdr *, void *), void *arg,
		       const struct cw_handlers *h, void *ctx)
{
	struct nlmsghdr *nlh = put_request(nl, nl->stream.family, cmd, COWWATCH_GENL_VERSION);

	mnl_attr_put_u32(nlh, COWWATCH_A_PID, (uint32_t)pid);
	if (flags)
		mnl_attr_put_u32(nlh, COWWATCH_A_WATCH_FLAGS, flags);
	return request(nl, nlh, data, arg, h, ctx);
}

int cw_nl_watch(struct cw_nl *nl, pid_t pid, uint32_t flags, const struct cw_handlers *h,
		void *ctx)
{
	return pid_request(nl, COWWATCH_CMD_WATCH, pid, flags, NULL, NULL, h, ctx);
}

struct found_reply {
	void (*found)(void *arg, const struct cowwatch_found *f);
	void *arg;
	int more;
};

/* A WATCH reply (cw_proto_found()). */
static int found_cb(const struct nlmsghdr *nlh, void *data)
{
	struct found_reply *r = data;
	int more = cw_proto_found(nlh, r->found, r->arg);

	if (more < 0) {
		errno = -more;
		return MNL_CB_ERROR;
	}
	r->more |= more;
	return MNL_CB_OK;
}

int cw_nl_watch_tree(struct cw_nl *nl, pid_t pid, uint32_t flags,
		     void (*found)(void *arg, const struct cowwatch_found *f), void *arg,
		     const struct cw_handlers *h, void *ctx)
{
	struct found_reply r = { .found = found, .arg = arg };
	int err = 0;

	do {
		r.more = 0;
		err = pid_request(nl, COWWATCH_CMD_WATCH, pid, flags | COWWATCH_WATCH_DESCENDANTS,
				  found_cb, &r, h, ctx);
	} while (!err && r.more);
	return err;
}

int cw_nl_unwatch(struct cw_nl *nl, pid_t pid, const struct cw_handlers *h, void *ctx)
{
	return pid_request(nl, COWWATCH_CMD_UNWATCH, pid, 0, NULL, NULL, h, ctx);
}

static int stats_attr_cb(const struct nlattr *attr, void *data)
{
	struct cw_stats *st = data;
	uint16_t type = mnl_attr_get_type(attr);
	uint64_t *u64 = NULL;

	switch (type) {
	case COWWATCH_A_STAT_WP_HITS:
		u64 = &st->wp_hits;
		break;
	case COWWATCH_A_STAT_WP_WATCHED:
		u64 = &st->wp_watched;
		break;
	case COWWATCH_A_STAT_RMAP_HITS:
		u64 = &st->rmap_hits;
		break;
	case COWWATCH_A_STAT_NMISSED:
		u64 = &st->nmissed;
		break;
	case COWWATCH_A_STAT_LOST:
		u64 = &st->lost;
		break;
	case COWWATCH_A_STAT_WATCHED:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			st->watched = mnl_attr_get_u32(attr);
		return MNL_CB_OK;
	case COWWATCH_A_STAT_RMAP_SYMBOL:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
			snprintf(st->rmap_symbol, sizeof(st->rmap_symbol), "%s",
				 mnl_attr_get_str(attr));
		return MNL_CB_OK;
	default:
		return MNL_CB_OK;
	}
	if (mnl_attr_validate(attr, MNL_TYPE_U64) >= 0)
		*u64 = mnl_attr_get_u64(attr);
	return MNL_CB_OK;
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, GENL_HDRLEN, stats_attr_cb, data);
	return MNL_CB_OK;
}

int cw_nl_stats(struct cw_nl *nl, struct cw_stats *st, const struct cw_handlers *h, void *ctx)
{
	struct nlmsghdr *nlh = put_request(nl, nl->stream.family, COWWATCH_CMD_GET_STATS,
					   COWWATCH_GENL_VERSION);

	memset(st, 0, sizeof(*st));
	return request(nl, nlh, stats_cb, st, h, ctx);
}

/*
 * Reads up to DRAIN_AHEAD waiting notifications into nl->ahead, their
 * lengths into @len and their count into *@n. Returns 0, or -errno.
 */
static int read_waiting(struct cw_nl *nl, int fd, size_t len[], size_t *n)
{
	*n = 0;
	while (*n < DRAIN_AHEAD) {
		ssize_t got = recv(fd, nl->ahead + *n * nl->buflen, nl->buflen, MSG_DONTWAIT);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* The socket overflowed: messages were dropped; the sequence gap says how many. */
				nl->overruns++;
				continue;
			}
			return errno == EAGAIN ? 0 : -errno;
		}
		if (got == 0)
			return 0;
		len[(*n)++] = (size_t)got;
	}
	return 0;
}

int cw_nl_drain_fd(struct cw_nl *nl, int fd, const struct cw_handlers *h, void *ctx)
{
	size_t len[DRAIN_AHEAD], n;
	int count = 0;

	if (!nl->ahead) {
		nl->ahead = malloc(DRAIN_AHEAD * nl->buflen);
		if (!nl->ahead)
			return -ENOMEM;
	}
	do {
		int err = read_waiting(nl, fd, len, &n);

		/* The first is decoded at once anyway: look ahead from the second on. */
		for (size_t i = 1; i < n; i++)
			cw_proto_look_ahead(&nl->stream, nl->ahead + i * nl->buflen, len[i], h, ctx);
		for (size_t i = 0; i < n; i++, count++)
			cw_proto_decode(&nl->stream, nl->ahead + i * nl->buflen, len[i], h, ctx);
		if (err)
			return err;
	} while (n == DRAIN_AHEAD);
	return count;
}

int cw_nl_drain(struct cw_nl *nl, const struct cw_handlers *h, void *ctx)
{
	return cw_nl_drain_fd(nl, mnl_socket_get_fd(nl->sock), h, ctx);
}
