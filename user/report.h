/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the reader prints: the live view, each event (--events), each exit,
 * and the summary, as text for people or NDJSON for programs (--json).
 */
#ifndef COWWATCH_REPORT_H
#define COWWATCH_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "procs.h"

/*
 * Each record (a JSON line, an event line, a live view screen, the
 * summary) is put together in memory, and whole records are written
 * together, a batch per report_flush() (the reader calls it after each
 * drain of the socket): one write() for many events, yet a command that
 * shares the output never lands inside a record, and a reader of the
 * stream never sees half of one. A batch is at most PIPE_BUF bytes unless
 * the output is a regular file (a pipe keeps writes of up to PIPE_BUF
 * whole; a larger record goes alone, as before).
 */
struct report_batch {
	char *buf;
	size_t len, cap;	/* cap: the most one write() takes */
};

struct report {
	FILE *out;
	bool json;
	bool tty;		/* the live view redraws a screen */
	int top;		/* rows in tables */
	uint64_t start_ns;	/* when watching began (CLOCK_MONOTONIC) */
	FILE *rec;		/* the record being written: a buffered stream into record */
	struct report_batch *record;	/* what of it was written so far */
	struct report_batch *batch;	/* whole records not written yet */
	struct json_buf *line;		/* an --events record, put together in memory */
	struct event_frags *frags;	/* the parts of it that repeat (report.c) */
};

/* Sets up @r to write to @out; returns 0 or -errno. */
int report_open(struct report *r, FILE *out);
/* Writes the records put together since the last flush. */
void report_flush(const struct report *r);
/* Flushes, then frees what report_open() allocated. */
void report_close(struct report *r);

/* Totals of the stream, for the live view's last line and the summary. */
struct report_totals {
	uint64_t now_ns;	/* when they were taken (the events' clock) */
	double duration_s;
	uint64_t lost_events;	/* the module's count of events dropped for us */
	uint64_t lost_messages;	/* notifications our socket dropped */
};

void report_event(const struct report *r, const struct proc *p, const struct cw_event *ev,
		  const struct attribution *a);
void report_exit(const struct report *r, const struct proc *p, const struct cw_exit *ex);
/* JSON only: a record of @type ("fork", "exec") for @p at @time_ns. */
void report_moment(const struct report *r, const struct proc *p, const char *type,
		   uint64_t time_ns);
/* One refresh of the live view, @interval_s after the last. */
void report_live(const struct report *r, const struct proc_table *t,
		 const struct report_totals *tot, double interval_s);
void report_summary(const struct report *r, const struct proc_table *t,
		    const struct report_totals *tot);

#endif /* COWWATCH_REPORT_H */
