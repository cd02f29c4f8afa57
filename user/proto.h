/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding the module's notifications (kmod/uapi/cowwatch.h): EVENTS,
 * COUNTS, EXIT, FORK, EXEC and GONE messages, as they arrive from one recv(). Any byte string
 * is safe to give it: a malformed message is counted and skipped, never
 * trusted (fuzzed in tests/fuzz/).
 */
#ifndef COWWATCH_PROTO_H
#define COWWATCH_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

struct cw_handlers {
	void (*event)(void *ctx, const struct cw_event *ev);
	/* A count record: ev->count faults alike (see struct cw_event). */
	void (*count)(void *ctx, const struct cw_event *ev);
	/* The path of a file (dev, ino), sent before the records that need it. */
	void (*file)(void *ctx, uint32_t dev, uint64_t ino, const char *path);
	void (*exit)(void *ctx, const struct cw_exit *ex);
	void (*gone)(void *ctx);
	void (*fork)(void *ctx, const struct cw_notice *n);
	void (*exec)(void *ctx, const struct cw_notice *n);
	/*
	 * An EXEC notice seen ahead (cw_proto_look_ahead()), before the
	 * messages queued in front of it are decoded.
	 */
	void (*exec_ahead)(void *ctx, const struct cw_notice *n);
};

/* What the stream of notifications to one reader has told so far. */
struct cw_stream {
	uint16_t family;	/* the cowwatch family's id */
	uint32_t next_seq;	/* the sequence number expected next */
	uint64_t lost_events;	/* the module's count of events it dropped for us */
	uint64_t lost_messages;	/* notifications missing from the sequence */
	uint64_t malformed;	/* messages that did not decode */
	uint64_t events, exits;	/* delivered */
	uint64_t counted;	/* faults in count records delivered */
	uint64_t forks, execs;
	int gone;		/* the module is unloading */
};

/*
 * Decodes the netlink messages in @buf (@len bytes), calling @h for each
 * event, exit and goodbye. Returns 0, or -EBADMSG if anything in @buf was
 * malformed (the rest is still decoded where the framing allows).
 */
int cw_proto_decode(struct cw_stream *st, const void *buf, size_t len,
		    const struct cw_handlers *h, void *ctx);

/*
 * Looks at the messages in @buf for EXEC notices only, calling
 * h->exec_ahead for each; @st is left as it was (the messages are decoded
 * for real later, in their turn).
 */
void cw_proto_look_ahead(const struct cw_stream *st, const void *buf, size_t len,
			 const struct cw_handlers *h, void *ctx);

/*
 * The length of the run of whole messages at the start of @buf. libmnl's
 * mnl_nlmsg_ok() compares nlmsg_len as an int, so a length of 2 GiB or
 * more passes it and sends mnl_cb_run() out of the buffer (found by the
 * fuzzer): the framing is checked here, unsigned, first. A message is
 * whole with its padding: libmnl walks attributes up to the aligned end
 * (mnl_nlmsg_get_payload_tail()), so an unpadded last message would let an
 * attribute reach up to 3 bytes past @buf (found by the fuzzer in a count
 * record). The kernel's messages are always padded.
 */
size_t cw_proto_whole(const void *buf, size_t len);

/*
 * The descendants a WATCH reply @nlh lists (COWWATCH_A_FOUND), each to
 * @found with its name NUL-terminated. Returns 1 if the reply says more
 * are to be asked for (COWWATCH_A_MORE), 0 if not, -EBADMSG if it is
 * malformed (the whole records before the fault are still delivered).
 */
struct nlmsghdr;
int cw_proto_found(const struct nlmsghdr *nlh,
		   void (*found)(void *arg, const struct cowwatch_found *f), void *arg);

#endif /* COWWATCH_PROTO_H */
