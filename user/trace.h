/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --trace FILE: a time line in the Trace Event Format (JSON) that Perfetto
 * (ui.perfetto.dev) and chrome://tracing open. One track per process, named
 * "PID COMM", holding a slice for the time it was watched (its fork or the
 * watch, to its exit or the end), a counter "copied pages" with the pages
 * it copied in each interval, and instants at its fork, exec and exit; a
 * flow arrow goes from the parent's slice to the child's at each fork.
 * Times are microseconds from the first thing seen.
 */
#ifndef COWWATCH_TRACE_H
#define COWWATCH_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "procs.h"

struct trace_bucket {
	uint64_t index;		/* time / interval */
	uint64_t pages;
};

struct trace_moment {
	const struct proc *p;
	const struct proc *parent;	/* fork: the parent, if known */
	const char *type;		/* "watch", "fork", "exec", "exit" */
	uint64_t time_ns;
	char comm[CW_COMM_LEN];		/* exec: the program's name */
};

struct trace_series {
	const struct proc *p;
	struct trace_bucket *buckets;
	size_t n, cap;
};

struct trace {
	uint64_t interval_ns;
	uint64_t first_ns, last_ns;	/* 0: nothing seen */
	struct trace_series *series;	/* one per process, by proc->trace_slot - 1 */
	size_t nseries, cap_series;
	struct trace_moment *moments;
	size_t nmoments, cap_moments;
};

void trace_init(struct trace *tr, double interval_s);
void trace_free(struct trace *tr);
/* @pages pages copied by @p at @time_ns. */
void trace_copies(struct trace *tr, struct proc *p, uint64_t time_ns, uint64_t pages);
/* @p was watched, forked (by @parent), exec'd (@comm) or exited at @time_ns. */
void trace_moment(struct trace *tr, struct proc *p, const struct proc *parent, const char *type,
		  uint64_t time_ns, const char *comm);
/* Writes the trace; returns 0 or -errno. */
int trace_write(struct trace *tr, FILE *out);

#endif /* COWWATCH_TRACE_H */
