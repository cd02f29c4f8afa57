// SPDX-License-Identifier: GPL-2.0
/* Folded stacks and the time line, beside the report (see views.h). */
#include "views.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "folded.h"
#include "session.h"

static FILE *open_for_writing(const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f)
		fprintf(stderr, "cowwatch: cannot write %s: %s\n", path, strerror(errno));
	return f;
}

int views_open(struct views *v, const struct options *o)
{
	memset(v, 0, sizeof(*v));
	trace_init(&v->trace, o->interval);
	v->folded_path = o->folded;
	v->trace_path = o->trace;
	if (o->folded && !(v->folded = open_for_writing(o->folded)))
		return EXIT_FAILURE_OTHER;
	if (o->trace && !(v->trace_file = open_for_writing(o->trace))) {
		views_abandon(v);
		return EXIT_FAILURE_OTHER;
	}
	return 0;
}

void views_fault(struct views *v, struct proc *p, const struct cw_event *ev)
{
	if (v->trace_file && p && cw_outcome_copies(ev->outcome))
		trace_copies(&v->trace, p, ev->time_ns, ev->count ? ev->count : 1);
}

void views_moment(struct views *v, struct proc *p, const struct proc *parent, const char *type,
		  uint64_t time_ns, const char *comm)
{
	if (v->trace_file && p)
		trace_moment(&v->trace, p, parent, type, time_ns, comm);
}

static int finish_file(FILE *f, const char *path, int err)
{
	if (fclose(f) && !err)
		err = -errno;
	if (!err)
		return 0;
	fprintf(stderr, "cowwatch: cannot write %s: %s\n", path, strerror(-err));
	return EXIT_FAILURE_OTHER;
}

int views_close(struct views *v, const struct proc_table *t)
{
	int rc = 0;

	if (v->folded)
		rc = finish_file(v->folded, v->folded_path, folded_write(v->folded, t));
	if (v->trace_file) {
		int r = finish_file(v->trace_file, v->trace_path, trace_write(&v->trace, v->trace_file));
		rc = rc ? rc : r;
	}
	trace_free(&v->trace);
	v->folded = v->trace_file = NULL;
	return rc;
}

void views_abandon(struct views *v)
{
	if (v->folded) {
		fclose(v->folded);
		if (v->folded_path)
			unlink(v->folded_path);
	}
	if (v->trace_file) {
		fclose(v->trace_file);
		if (v->trace_path)
			unlink(v->trace_path);
	}
	trace_free(&v->trace);
	v->folded = v->trace_file = NULL;
}
