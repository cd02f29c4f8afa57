// SPDX-License-Identifier: GPL-2.0
/* The time line in the Trace Event Format (see trace.h). */
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "json.h"

void trace_init(struct trace *tr, double interval_s)
{
	memset(tr, 0, sizeof(*tr));
	tr->interval_ns = interval_s > 0 ? (uint64_t)(interval_s * 1e9) : 1000000000ULL;
	if (!tr->interval_ns)
		tr->interval_ns = 1;
}

void trace_free(struct trace *tr)
{
	for (size_t i = 0; i < tr->nseries; i++)
		free(tr->series[i].buckets);
	free(tr->series);
	free(tr->moments);
	memset(tr, 0, sizeof(*tr));
}

static void seen(struct trace *tr, uint64_t time_ns)
{
	if (!time_ns)
		return;
	if (!tr->first_ns || time_ns < tr->first_ns)
		tr->first_ns = time_ns;
	if (time_ns > tr->last_ns)
		tr->last_ns = time_ns;
}

/* @p's series, made if it has none; NULL if out of memory. */
static struct trace_series *series_of(struct trace *tr, struct proc *p)
{
	struct trace_series *s;

	if (p->trace_slot)
		return &tr->series[p->trace_slot - 1];
	s = array_grow(tr->series, &tr->cap_series, tr->nseries, sizeof(*s), 16);
	if (!s)
		return NULL;
	tr->series = s;
	s = &tr->series[tr->nseries++];
	*s = (struct trace_series){ .p = p };
	p->trace_slot = tr->nseries;
	return s;
}

void trace_copies(struct trace *tr, struct proc *p, uint64_t time_ns, uint64_t pages)
{
	struct trace_series *s = series_of(tr, p);
	uint64_t index = time_ns / tr->interval_ns;
	struct trace_bucket *b;

	if (!s)
		return;
	seen(tr, time_ns);
	/* Events come in time order, mostly: the bucket is the last one. */
	for (size_t i = s->n; i > 0 && i + 4 > s->n; i--) {
		if (s->buckets[i - 1].index == index) {
			s->buckets[i - 1].pages += pages;
			return;
		}
	}
	b = array_grow(s->buckets, &s->cap, s->n, sizeof(*b), 16);
	if (!b)
		return;
	s->buckets = b;
	s->buckets[s->n++] = (struct trace_bucket){ .index = index, .pages = pages };
}

void trace_moment(struct trace *tr, struct proc *p, const struct proc *parent, const char *type,
		  uint64_t time_ns, const char *comm)
{
	struct trace_moment *m;

	if (!series_of(tr, p))
		return;
	m = array_grow(tr->moments, &tr->cap_moments, tr->nmoments, sizeof(*m), 64);
	if (!m)
		return;
	tr->moments = m;
	seen(tr, time_ns);
	m = &tr->moments[tr->nmoments++];
	*m = (struct trace_moment){ .p = p, .parent = parent, .type = type, .time_ns = time_ns };
	snprintf(m->comm, sizeof(m->comm), "%s", comm ? comm : "");
}

static int by_index(const void *a, const void *b)
{
	const struct trace_bucket *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

/* Microseconds since the first thing seen, as the format wants them. */
static double us(const struct trace *tr, uint64_t time_ns)
{
	return time_ns > tr->first_ns ? (double)(time_ns - tr->first_ns) / 1e3 : 0;
}

/* Writes one event's start: {"name":..,"ph":..,"pid":T,"tid":T,"ts":..; the caller ends it. */
static void event_start(FILE *f, bool *first, const char *name, const char *ph, size_t track,
			double ts)
{
	fprintf(f, "%s\n{\"name\":", *first ? "" : ",");
	*first = false;
	json_string(f, name);
	fprintf(f, ",\"ph\":\"%s\",\"pid\":%zu,\"tid\":%zu,\"ts\":%.3f", ph, track, track, ts);
}

/* The slice a process's track holds: from its first moment to its exit or the end. */
static void life_of(const struct trace *tr, const struct proc *p, uint64_t *from, uint64_t *to)
{
	*from = 0;
	*to = tr->last_ns;
	for (size_t i = 0; i < tr->nmoments; i++) {
		const struct trace_moment *m = &tr->moments[i];

		if (m->p != p)
			continue;
		if (!*from || m->time_ns < *from)
			*from = m->time_ns;
		if (!strcmp(m->type, "exit"))
			*to = m->time_ns;
	}
	if (!*from)
		*from = p->first_ns ? p->first_ns : tr->first_ns;
	if (*to < *from)
		*to = *from;
}

static void write_track(const struct trace *tr, FILE *f, bool *first, size_t track,
			struct trace_series *s)
{
	const struct proc *p = s->p;
	char name[64];
	uint64_t from, to;

	/* Tracks are numbered, not keyed by pid: a reused pid is another process. */
	snprintf(name, sizeof(name), "%d %s", (int)p->pid, p->comm);
	event_start(f, first, "process_name", "M", track, 0);
	fputs(",\"args\":{\"name\":", f);
	json_string(f, name);
	fputs("}}", f);
	event_start(f, first, "process_sort_index", "M", track, 0);
	fprintf(f, ",\"args\":{\"sort_index\":%zu}}", track);
	life_of(tr, p, &from, &to);
	event_start(f, first, name, "X", track, us(tr, from));
	fprintf(f, ",\"dur\":%.3f,\"args\":{\"pid\":%d,\"ppid\":%d}}", us(tr, to) - us(tr, from),
		(int)p->pid, (int)p->ppid);
	if (s->n)
		qsort(s->buckets, s->n, sizeof(*s->buckets), by_index);
	for (size_t i = 0; i < s->n; i++) {
		struct trace_bucket *b = &s->buckets[i];
		uint64_t pages = b->pages;

		/* Buckets seen twice (events out of order) are one. */
		while (i + 1 < s->n && s->buckets[i + 1].index == b->index)
			pages += s->buckets[++i].pages;
		event_start(f, first, "copied pages", "C", track,
			    us(tr, b->index * tr->interval_ns));
		fprintf(f, ",\"args\":{\"pages\":%" PRIu64 "}}", pages);
		/* Back to 0 after the interval, unless the next one follows on. */
		if (i + 1 == s->n || s->buckets[i + 1].index != b->index + 1) {
			event_start(f, first, "copied pages", "C", track,
				    us(tr, (b->index + 1) * tr->interval_ns));
			fputs(",\"args\":{\"pages\":0}}", f);
		}
	}
}

static void write_moments(const struct trace *tr, FILE *f, bool *first)
{
	for (size_t i = 0; i < tr->nmoments; i++) {
		const struct trace_moment *m = &tr->moments[i];
		size_t track = m->p->trace_slot;
		double ts = us(tr, m->time_ns);

		event_start(f, first, m->type, "i", track, ts);
		fputs(",\"s\":\"t\"", f);
		if (m->comm[0]) {
			fputs(",\"args\":{\"comm\":", f);
			json_string(f, m->comm);
			fputc('}', f);
		}
		fputc('}', f);
		if (strcmp(m->type, "fork") != 0 || !m->parent || !m->parent->trace_slot)
			continue;
		/* The fork as an arrow from the parent's slice to the child's. */
		event_start(f, first, "fork", "s", m->parent->trace_slot, ts);
		fprintf(f, ",\"cat\":\"fork\",\"id\":%zu}", i + 1);
		event_start(f, first, "fork", "f", track, ts);
		fprintf(f, ",\"cat\":\"fork\",\"bp\":\"e\",\"id\":%zu}", i + 1);
	}
}

int trace_write(struct trace *tr, FILE *out)
{
	bool first = true;

	fputs("{\"displayTimeUnit\":\"ms\",\"otherData\":{\"tool\":\"cowwatch\"},\"traceEvents\":[", out);
	for (size_t i = 0; i < tr->nseries; i++)
		write_track(tr, out, &first, i + 1, &tr->series[i]);
	write_moments(tr, out, &first);
	fputs("\n]}\n", out);
	return fflush(out) || ferror(out) ? -EIO : 0;
}
