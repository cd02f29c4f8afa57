// SPDX-License-Identifier: GPL-2.0
/* cowwatch report: a recording read back and reported (see replay.h). */
#include "replay.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "procs.h"
#include "report.h"
#include "session.h"
#include "views.h"

struct replay {
	const char *path;
	unsigned long line;
	struct proc_table procs;
	struct report rep;
	struct views views;
	struct report_totals totals;
	bool have_summary;
	uint64_t events, first_ns, last_ns;
};

static bool field(json_object *rec, const char *key, json_type type, json_object **v)
{
	return json_object_object_get_ex(rec, key, v) && json_object_is_type(*v, type);
}

static bool get_u64(json_object *rec, const char *key, uint64_t *out)
{
	json_object *v;

	if (!field(rec, key, json_type_int, &v))
		return false;
	*out = json_object_get_uint64(v);
	return true;
}

static bool get_pid(json_object *rec, const char *key, pid_t *out)
{
	json_object *v;
	int64_t n;

	if (!field(rec, key, json_type_int, &v))
		return false;
	n = json_object_get_int64(v);
	if (n < 0 || n > INT32_MAX)
		return false;
	*out = (pid_t)n;
	return true;
}

static const char *get_str(json_object *rec, const char *key)
{
	json_object *v;

	return field(rec, key, json_type_string, &v) ? json_object_get_string(v) : NULL;
}

static int outcome_of(const char *name)
{
	for (uint32_t o = 0; o < __COWWATCH_OUT_MAX; o++)
		if (name && !strcmp(cw_outcome_name(o), name))
			return (int)o;
	return -1;
}

static void seen(struct replay *r, uint64_t time_ns)
{
	if (!r->first_ns || time_ns < r->first_ns)
		r->first_ns = time_ns;
	if (time_ns > r->last_ns)
		r->last_ns = time_ns;
}

/* The record's process, named and parented as the record says. */
static struct proc *record_proc(struct replay *r, json_object *rec, pid_t pid)
{
	struct proc *p = procs_get(&r->procs, pid);
	const char *comm = get_str(rec, "comm");
	pid_t ppid;

	if (!p)
		return NULL;
	if (comm)
		snprintf(p->comm, sizeof(p->comm), "%s", comm);
	if (get_pid(rec, "ppid", &ppid) && ppid)
		p->ppid = ppid;
	return p;
}

/* A --stacks event's "stack": its frames, innermost first, into @a. */
static int replay_stack(json_object *rec, struct attribution *a)
{
	json_object *stack;
	size_t n;

	a->nframes = 0;
	if (!field(rec, "stack", json_type_array, &stack))
		return 0;
	n = json_object_array_length(stack);
	if (n > CW_CHAIN_FRAMES)
		n = CW_CHAIN_FRAMES;
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(stack, i), *v;
		struct site_stat *s = &a->frames[i];

		if (!json_object_is_type(f, json_type_object) || !(s->dso = get_str(f, "dso")) ||
		    !get_u64(f, "offset", &s->offset))
			return -EINVAL;
		s->symbol = field(f, "symbol", json_type_string, &v) ? json_object_get_string(v) : NULL;
		s->pages = 0;
	}
	a->nframes = (int)n;
	return 0;
}

static int replay_event(struct replay *r, json_object *rec, pid_t pid, uint64_t time_ns)
{
	struct cw_event ev = { .pid = pid, .time_ns = time_ns };
	struct attribution a = { .site = { .dso = get_str(rec, "dso") } };
	int outcome = outcome_of(get_str(rec, "kind"));
	uint64_t page_size, tid = 0;
	struct proc *p;
	json_object *v;

	a.region = get_str(rec, "region");
	if (outcome < 0 || !a.region || !a.site.dso || !get_u64(rec, "page_size", &page_size) ||
	    !get_u64(rec, "addr", &ev.addr) || !get_u64(rec, "ip", &ev.ip) ||
	    !get_u64(rec, "offset", &a.site.offset))
		return -EINVAL;
	/* Recordings made before events had vm_start and vm_end: one region per name. */
	if (!get_u64(rec, "vm_start", &ev.vm_start) || !get_u64(rec, "vm_end", &ev.vm_end))
		ev.vm_start = ev.vm_end = 0;
	get_u64(rec, "tid", &tid);
	ev.tid = (uint32_t)tid;
	ev.outcome = (uint32_t)outcome;
	ev.page_size = (uint32_t)page_size;
	if (field(rec, "symbol", json_type_string, &v))
		a.site.symbol = json_object_get_string(v);
	if (replay_stack(rec, &a))
		return -EINVAL;
	record_proc(r, rec, pid);
	p = procs_event_attributed(&r->procs, &ev, &a);
	views_fault(&r->views, p, &ev);
	r->events++;
	return 0;
}

static int replay_exit(struct replay *r, json_object *rec, pid_t pid, uint64_t time_ns)
{
	struct cw_exit ex = { .pid = pid, .time_ns = time_ns };
	const char *comm = get_str(rec, "comm");
	json_object *counts;
	struct proc *p;

	if (!field(rec, "counts", json_type_object, &counts))
		return -EINVAL;
	for (uint32_t o = 0; o < __COWWATCH_OUT_MAX; o++)
		if (!get_u64(counts, cw_outcome_name(o), &ex.counts[o]))
			return -EINVAL;
	if (comm)
		snprintf(ex.comm, sizeof(ex.comm), "%s", comm);
	record_proc(r, rec, pid);
	procs_exit(&r->procs, &ex);
	p = procs_find(&r->procs, pid);
	views_moment(&r->views, p, NULL, "exit", time_ns, NULL);
	return 0;
}

static int replay_summary(struct replay *r, json_object *rec, uint64_t time_ns)
{
	json_object *v;

	if (!field(rec, "duration_s", json_type_double, &v) &&
	    !field(rec, "duration_s", json_type_int, &v))
		return -EINVAL;
	r->totals.duration_s = json_object_get_double(v);
	r->totals.now_ns = time_ns;
	if (!get_u64(rec, "lost_events", &r->totals.lost_events) ||
	    !get_u64(rec, "lost_messages", &r->totals.lost_messages))
		return -EINVAL;
	r->have_summary = true;
	return 0;
}

static int replay_record(struct replay *r, json_object *rec)
{
	const char *type = get_str(rec, "type");
	uint64_t time_ns;
	pid_t pid = 0, ppid = 0;
	struct proc *p;

	if (!type || !get_u64(rec, "time_ns", &time_ns))
		return -EINVAL;
	if (!strcmp(type, "summary"))
		return replay_summary(r, rec, time_ns);
	if (!get_pid(rec, "pid", &pid) || !pid)
		return -EINVAL;
	seen(r, time_ns);
	if (!strcmp(type, "event"))
		return replay_event(r, rec, pid, time_ns);
	if (!strcmp(type, "exit"))
		return replay_exit(r, rec, pid, time_ns);
	if (!strcmp(type, "fork")) {
		get_pid(rec, "ppid", &ppid);
		procs_fork(&r->procs, ppid, pid, get_str(rec, "comm"));
		p = procs_find(&r->procs, pid);
		views_moment(&r->views, p, ppid ? procs_find(&r->procs, ppid) : NULL, "fork",
			     time_ns, NULL);
		return 0;
	}
	if (!strcmp(type, "exec") || !strcmp(type, "watch")) {
		p = record_proc(r, rec, pid);
		views_moment(&r->views, p, NULL, !strcmp(type, "exec") ? "exec" : "watch", time_ns,
			     type[1] == 'x' && p ? p->comm : NULL);
		return 0;
	}
	return 0;	/* a record type of a later release: not ours to judge */
}

static int read_all(struct replay *r, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int err = 0;

	while (!err && (len = getline(&line, &cap, in)) > 0) {
		json_object *rec;

		r->line++;
		if (line[len - 1] != '\n') {
			fprintf(stderr, "cowwatch: %s:%lu: the last record is cut off: ignored\n",
				r->path, r->line);
			break;
		}
		rec = json_tokener_parse(line);
		if (!rec || !json_object_is_type(rec, json_type_object) || replay_record(r, rec)) {
			fprintf(stderr, "cowwatch: %s:%lu: not a cowwatch record (make one with "
				"cowwatch --json --events -o FILE)\n", r->path, r->line);
			err = -EINVAL;
		}
		json_object_put(rec);
	}
	if (!err && ferror(in)) {
		fprintf(stderr, "cowwatch: cannot read %s: %s\n", r->path, strerror(errno));
		err = -EIO;
	}
	free(line);
	return err;
}

static void warn_gaps(const struct replay *r)
{
	if (!r->have_summary)
		fprintf(stderr, "cowwatch: %s has no summary record (the watch was cut short): "
			"lost events not known\n", r->path);
	if (!r->events)
		fprintf(stderr, "cowwatch: %s has no event records (record with --json --events): "
			"regions and code are not known\n", r->path);
}

static int report_recording(struct replay *r, FILE *in, FILE *out)
{
	int rc = 0;

	if (read_all(r, in))
		return EXIT_FAILURE_OTHER;
	warn_gaps(r);
	if (!r->have_summary) {
		r->totals.now_ns = r->last_ns;
		r->totals.duration_s = (double)(r->last_ns - r->first_ns) / 1e9;
	}
	report_summary(&r->rep, &r->procs, &r->totals);
	report_flush(&r->rep);
	rc = views_close(&r->views, &r->procs);
	if (fflush(out) && !rc) {
		fprintf(stderr, "cowwatch: cannot write the report: %s\n", strerror(errno));
		rc = EXIT_FAILURE_OTHER;
	}
	return rc;
}

int replay_run(const struct options *o)
{
	struct replay r = { .path = o->recording };
	FILE *in, *out = stdout;
	int rc;

	in = fopen(o->recording, "re");
	if (!in) {
		fprintf(stderr, "cowwatch: cannot read %s: %s\n", o->recording, strerror(errno));
		return EXIT_FAILURE_OTHER;
	}
	if (o->output && !(out = fopen(o->output, "we"))) {
		fprintf(stderr, "cowwatch: cannot write %s: %s\n", o->output, strerror(errno));
		fclose(in);
		return EXIT_FAILURE_OTHER;
	}
	r.rep = (struct report){ .json = o->json, .top = o->top };
	rc = EXIT_FAILURE_OTHER;
	if (report_open(&r.rep, out) || procs_init(&r.procs)) {
		fprintf(stderr, "cowwatch: out of memory\n");
		goto out;
	}
	r.procs.offline = true;
	rc = views_open(&r.views, o);
	if (!rc)
		rc = report_recording(&r, in, out);
	views_abandon(&r.views);
	procs_free(&r.procs);
out:
	report_close(&r.rep);
	fclose(in);
	if (out != stdout && fclose(out) && !rc)
		rc = EXIT_FAILURE_OTHER;
	return rc;
}
