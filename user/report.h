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

struct report {
	FILE *out;
	bool json;
	bool tty;		/* the live view redraws a screen */
	int top;		/* rows in tables */
	uint64_t start_ns;	/* when watching began (CLOCK_MONOTONIC) */
};

/* Totals of the stream, for the live view's last line and the summary. */
struct report_totals {
	double duration_s;
	uint64_t lost_events;	/* the module's count of events dropped for us */
	uint64_t lost_messages;	/* notifications our socket dropped */
};

void report_event(const struct report *r, const struct proc *p, const struct cw_event *ev,
		  const struct attribution *a);
void report_exit(const struct report *r, const struct proc *p);
/* One refresh of the live view, @interval_s after the last. */
void report_live(const struct report *r, const struct proc_table *t,
		 const struct report_totals *tot, double interval_s);
void report_summary(const struct report *r, const struct proc_table *t,
		    const struct report_totals *tot);

#endif /* COWWATCH_REPORT_H */
