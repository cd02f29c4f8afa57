/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The outputs besides the report: folded stacks (--folded, folded.c) and
 * the time line (--trace, trace.c), for a live run and for cowwatch report
 * alike. Their files are opened before the watch starts (a path that cannot
 * be written fails at once, not after an hour of watching) and written at
 * the end.
 */
#ifndef COWWATCH_VIEWS_H
#define COWWATCH_VIEWS_H

#include <stdbool.h>
#include <stdio.h>

#include "event.h"
#include "options.h"
#include "procs.h"
#include "trace.h"

struct views {
	const char *folded_path, *trace_path;
	FILE *folded, *trace_file;
	struct trace trace;
};

/* Opens what @o asks for; 0, or prints why not and returns an exit status. */
int views_open(struct views *v, const struct options *o);
/* @ev of @p was counted (an event, or a count record of ev->count faults). */
void views_fault(struct views *v, struct proc *p, const struct cw_event *ev);
/* @p was watched, forked by @parent, exec'd (@comm) or exited at @time_ns. */
void views_moment(struct views *v, struct proc *p, const struct proc *parent, const char *type,
		  uint64_t time_ns, const char *comm);
/* Writes and closes the files; 0, or prints why not and returns an exit status. */
int views_close(struct views *v, const struct proc_table *t);
/* The run failed before it watched anything: closes and removes the files. */
void views_abandon(struct views *v);

#endif /* COWWATCH_VIEWS_H */
