/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reader's netlink socket (libmnl): finding the cowwatch family,
 * sending WATCH/UNWATCH/GET_STATS, receiving notifications.
 */
#ifndef COWWATCH_NL_H
#define COWWATCH_NL_H

#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

struct mnl_socket;

struct cw_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	uint32_t seq;
	uint32_t family_version;	/* the module's protocol version */
	uint64_t overruns;		/* ENOBUFS seen: not messages lost (see totals()) */
	struct cw_stream stream;
	char *buf;
	size_t buflen;
	char *ahead;			/* notifications read ahead: slots of buflen */
};

struct cw_stats {
	uint64_t wp_hits, wp_watched, rmap_hits, nmissed, lost;
	uint32_t watched;
	char rmap_symbol[64];
};

/*
 * Opens the socket, with a receive buffer of @rcvbuf bytes (0: 32 MiB),
 * and finds the family. Returns 0, -ENOENT when there is no cowwatch
 * family (the module is not loaded), -EPROTO when the module speaks
 * another protocol version (see family_version), or -errno.
 */
int cw_nl_open(struct cw_nl *nl, int rcvbuf);
void cw_nl_close(struct cw_nl *nl);
int cw_nl_fd(const struct cw_nl *nl);

/*
 * Requests; notifications that arrive meanwhile are decoded to @h. Return
 * 0 or the kernel's -errno (-ESRCH, -EPERM, ...).
 */
/* WATCH @pid; @flags: COWWATCH_WATCH_* (0: none). */
int cw_nl_watch(struct cw_nl *nl, pid_t pid, uint32_t flags, const struct cw_handlers *h,
		void *ctx);
/*
 * WATCH @pid and its descendants (COWWATCH_WATCH_DESCENDANTS, added to
 * @flags): each descendant watched anew goes to @found, as the module
 * lists it, before this returns.
 */
int cw_nl_watch_tree(struct cw_nl *nl, pid_t pid, uint32_t flags,
		     void (*found)(void *arg, const struct cowwatch_found *f), void *arg,
		     const struct cw_handlers *h, void *ctx);
int cw_nl_unwatch(struct cw_nl *nl, pid_t pid, const struct cw_handlers *h, void *ctx);
int cw_nl_stats(struct cw_nl *nl, struct cw_stats *st, const struct cw_handlers *h, void *ctx);
/*
 * Whether the family we opened is still there: 1 if so, 0 if it is gone
 * (or registered anew: the module was loaded again), or -errno when no
 * answer came in time (a reader far behind reads its backlog first).
 */
int cw_nl_family_present(struct cw_nl *nl, const struct cw_handlers *h, void *ctx);

/*
 * Decodes every notification waiting on the socket, without blocking.
 * Notifications are read in batches; h->exec_ahead sees each batch's EXEC
 * notices before the batch is decoded in order. Returns the number of
 * messages read, or -errno.
 */
int cw_nl_drain(struct cw_nl *nl, const struct cw_handlers *h, void *ctx);
/* cw_nl_drain() from socket @fd (for tests: a socketpair standing in for netlink). */
int cw_nl_drain_fd(struct cw_nl *nl, int fd, const struct cw_handlers *h, void *ctx);

#endif /* COWWATCH_NL_H */
