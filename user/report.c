// SPDX-License-Identifier: GPL-2.0
/* The reader's output: live view, events, exits and summary. */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folded.h"
#include "json.h"

#define MIB (1024.0 * 1024.0)

/* The outcomes in the order they are printed. */
static const uint32_t outcome_order[] = {
	COWWATCH_OUT_COPY, COWWATCH_OUT_ZERO, COWWATCH_OUT_FILE, COWWATCH_OUT_KSM,
	COWWATCH_OUT_REUSE, COWWATCH_OUT_SHARED, COWWATCH_OUT_RETRY, COWWATCH_OUT_ERROR,
	COWWATCH_OUT_SPLIT,
};

#define N_OUTCOMES (sizeof(outcome_order) / sizeof(outcome_order[0]))

/* 64 KiB to a regular file, whose writes nobody interleaves mid-write. */
#define BATCH_FILE (64 * 1024)

/*
 * The record stream's writes: appended to the record, which grows. A
 * stream of our own, buffered as a file is: an open_memstream() took
 * glibc's byte-by-byte path for every piece printed (a fifth of a --json
 * --events reader's instructions).
 */
static ssize_t record_write(void *cookie, const char *data, size_t size)
{
	struct report_batch *rec = cookie;

	if (rec->len + size > rec->cap) {
		size_t cap = rec->cap ? rec->cap : 4096;
		char *grown;

		while (cap < rec->len + size)
			cap *= 2;
		grown = realloc(rec->buf, cap);
		if (!grown)
			return -1;
		rec->buf = grown;
		rec->cap = cap;
	}
	memcpy(rec->buf + rec->len, data, size);
	rec->len += size;
	return (ssize_t)size;
}

/*
 * The parts of an --events line that repeat from one event to the next.
 * A storm's events differ in their time and address; who faulted (process,
 * thread, outcome) and where (region, code site) stay the same for long
 * runs of them. Each part is kept as the text it makes, with what it was
 * made of, in a few slots picked by a hash: a line is then two numbers and
 * three copies instead of some 25 pieces, ten numbers and four escaped
 * strings. The names (region, symbol, DSO) are interned for the reader's
 * life (procs.c, symbols.c), so a pointer stands for its text; the
 * process's name is kept in an array that changes at exec, so its text is
 * compared.
 */
#define FRAG_SLOTS 8

/* ,"pid":P,"tid":T,"ppid":PP,"comm":C,"kind":"K","addr": */
struct who_frag {
	bool valid;
	pid_t pid, ppid;
	uint32_t tid, outcome;
	char comm[CW_COMM_LEN];
	struct json_buf text;
};

/* ,"page_size":N,"vm_start":N,"vm_end":N,"region":R,"ip":N,"symbol":S,"offset":N,"dso":D */
struct where_frag {
	bool valid;
	uint32_t page_size;
	uint64_t vm_start, vm_end, ip, offset;
	const char *region, *symbol, *dso;
	struct json_buf text;
};

struct event_frags {
	struct who_frag who[FRAG_SLOTS];
	struct where_frag where[FRAG_SLOTS];
};

static void frags_free(struct event_frags *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < FRAG_SLOTS; i++) {
		free(f->who[i].text.buf);
		free(f->where[i].text.buf);
	}
	free(f);
}

static size_t frag_slot(uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 61);
}

int report_open(struct report *r, FILE *out)
{
	cookie_io_functions_t io = { .write = record_write };
	struct stat st;

	r->out = out;
	r->rec = NULL;
	r->batch = calloc(1, sizeof(*r->batch));
	r->record = calloc(1, sizeof(*r->record));
	r->line = calloc(1, sizeof(*r->line));
	r->frags = calloc(1, sizeof(*r->frags));
	if (!r->batch || !r->record || !r->line || !r->frags)
		goto fail;
	r->batch->cap = fstat(fileno(out), &st) == 0 && S_ISREG(st.st_mode) ? BATCH_FILE : PIPE_BUF;
	r->batch->buf = malloc(r->batch->cap);
	r->rec = r->batch->buf ? fopencookie(r->record, "w", io) : NULL;
	if (r->rec)
		return 0;
fail:
	if (r->batch)
		free(r->batch->buf);
	free(r->batch);
	free(r->record);
	free(r->line);
	free(r->frags);
	r->batch = NULL;
	r->record = NULL;
	r->line = NULL;
	r->frags = NULL;
	return -ENOMEM;
}

static void write_all(int fd, const char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
}

void report_flush(const struct report *r)
{
	if (!r->batch || !r->batch->len)
		return;
	fflush(r->out);
	write_all(fileno(r->out), r->batch->buf, r->batch->len);
	r->batch->len = 0;
}

void report_close(struct report *r)
{
	if (r->rec)
		fclose(r->rec);
	report_flush(r);
	if (r->record)
		free(r->record->buf);
	free(r->record);
	if (r->line)
		free(r->line->buf);
	free(r->line);
	r->line = NULL;
	frags_free(r->frags);
	r->frags = NULL;
	if (r->batch)
		free(r->batch->buf);
	free(r->batch);
	r->rec = NULL;
	r->record = NULL;
	r->batch = NULL;
}

/*
 * Adds the record @buf of @len bytes to the batch (flushing first if it
 * would not fit; a record larger than a batch goes out on its own, in one
 * write() unless the kernel takes part of it).
 */
static void emit_text(const struct report *r, const char *buf, size_t len)
{
	struct report_batch *b = r->batch;

	if (b->len + len > b->cap)
		report_flush(r);
	if (len > b->cap) {
		fflush(r->out);
		write_all(fileno(r->out), buf, len);
	} else {
		memcpy(b->buf + b->len, buf, len);
		b->len += len;
	}
}

/* Adds the record put together in r->rec to the batch, and starts the next. */
static void emit(const struct report *r)
{
	struct report_batch *rec = r->record;

	if (fflush(r->rec)) {	/* out of memory: the record is lost */
		clearerr(r->rec);
		rec->len = 0;
		return;
	}
	emit_text(r, rec->buf, rec->len);
	rec->len = 0;
}

static void json_counts(FILE *out, const uint64_t *counts)
{
	fputc('{', out);
	for (size_t i = 0; i < N_OUTCOMES; i++)
		fprintf(out, "%s\"%s\":%" PRIu64, i ? "," : "",
			cw_outcome_name(outcome_order[i]), counts[outcome_order[i]]);
	fputc('}', out);
}

/* @key (with its punctuation: ",\"pid\":") and @v. */
static inline void put_key_u64(struct json_buf *l, const char *key, uint64_t v)
{
	json_buf_str(l, key);
	json_buf_u64(l, v);
}

/* {"copy":N,...}: the counts per outcome, in the order of json_counts(). */
static void json_buf_counts(struct json_buf *l, const uint64_t *counts)
{
	for (size_t i = 0; i < N_OUTCOMES; i++) {
		json_buf_str(l, i ? ",\"" : "{\"");
		json_buf_str(l, cw_outcome_name(outcome_order[i]));
		put_key_u64(l, "\":", counts[outcome_order[i]]);
	}
	json_buf_putc(l, '}');
}

/* Adds the record put together in @l to the batch. */
static void emit_line(const struct report *r, struct json_buf *l)
{
	if (l->failed)
		l->failed = false;	/* out of memory: the record is lost, as in emit() */
	else
		emit_text(r, l->buf, l->len);
}

/* "symbol":S,"offset":N,"dso":D of a code site (S null without a symbol). */
static void put_site(struct json_buf *l, const struct site_stat *s)
{
	json_buf_str(l, "\"symbol\":");
	if (s->symbol)
		json_buf_string(l, s->symbol);
	else
		json_buf_str(l, "null");
	put_key_u64(l, ",\"offset\":", s->offset);
	json_buf_str(l, ",\"dso\":");
	json_buf_string(l, s->dso);
}

/* ,"stack":[{"symbol":S,"offset":N,"dso":D},...]: a call chain, innermost first. */
static void json_frames(struct json_buf *l, const struct site_stat *frames, int n)
{
	json_buf_str(l, ",\"stack\":[");
	for (int i = 0; i < n; i++) {
		json_buf_str(l, i ? ",{" : "{");
		put_site(l, &frames[i]);
		json_buf_putc(l, '}');
	}
	json_buf_putc(l, ']');
}

/* "symbol+0xoff" or, without a symbol, "0xoff" (an address in the DSO). */
static void site_text(char *buf, size_t len, const struct site_stat *s, bool with_offset)
{
	if (s->symbol && with_offset && s->offset)
		snprintf(buf, len, "%s+0x%" PRIx64, s->symbol, s->offset);
	else if (s->symbol)
		snprintf(buf, len, "%s", s->symbol);
	else
		snprintf(buf, len, "0x%" PRIx64, s->offset);
}

/* The text of a who_frag: from after the time to the address. */
static void put_who(struct json_buf *l, const struct proc *p, const struct cw_event *ev,
		    const char *kind)
{
	json_buf_str(l, ",\"pid\":");
	json_buf_i64(l, ev->pid);
	put_key_u64(l, ",\"tid\":", ev->tid);
	json_buf_str(l, ",\"ppid\":");
	json_buf_i64(l, p->ppid);
	json_buf_str(l, ",\"comm\":");
	json_buf_string(l, p->comm);
	json_buf_str(l, ",\"kind\":\"");
	json_buf_str(l, kind);
	json_buf_str(l, "\",\"addr\":");
}

/* The text of a where_frag: from after the address to the DSO. */
static void put_where(struct json_buf *l, const struct cw_event *ev, const struct attribution *a)
{
	put_key_u64(l, ",\"page_size\":", ev->page_size);
	put_key_u64(l, ",\"vm_start\":", ev->vm_start);
	put_key_u64(l, ",\"vm_end\":", ev->vm_end);
	json_buf_str(l, ",\"region\":");
	json_buf_string(l, a->region);
	put_key_u64(l, ",\"ip\":", ev->ip);
	json_buf_putc(l, ',');
	put_site(l, &a->site);
}

/* A part just written to @text: whole, or cut short for want of memory (then forgotten). */
static bool frag_whole(struct json_buf *text)
{
	bool whole = !text->failed;

	text->failed = false;
	return whole;
}

/* Who of @ev as text, made now if the slot holds another; NULL: no memory. */
static const struct json_buf *who_of(struct event_frags *f, const struct proc *p,
				     const struct cw_event *ev, const char *kind)
{
	struct who_frag *w;

	if (!f)
		return NULL;
	w = &f->who[frag_slot(((uint64_t)ev->tid << 32) ^ (uint64_t)(uint32_t)ev->pid)];
	if (w->valid && w->tid == ev->tid && w->pid == ev->pid && w->ppid == p->ppid &&
	    w->outcome == ev->outcome && !strncmp(w->comm, p->comm, sizeof(w->comm)))
		return &w->text;
	w->text.len = 0;
	put_who(&w->text, p, ev, kind);
	w->valid = frag_whole(&w->text);
	if (!w->valid)
		return NULL;
	w->tid = ev->tid;
	w->pid = ev->pid;
	w->ppid = p->ppid;
	w->outcome = ev->outcome;
	memcpy(w->comm, p->comm, sizeof(w->comm));
	return &w->text;
}

/* Where of @ev as text, made now if the slot holds another; NULL: no memory. */
static const struct json_buf *where_of(struct event_frags *f, const struct cw_event *ev,
				       const struct attribution *a)
{
	struct where_frag *w;

	if (!f)
		return NULL;
	w = &f->where[frag_slot(ev->ip ^ ev->vm_start)];
	if (w->valid && w->ip == ev->ip && w->vm_start == ev->vm_start &&
	    w->vm_end == ev->vm_end && w->page_size == ev->page_size &&
	    w->region == a->region && w->symbol == a->site.symbol &&
	    w->offset == a->site.offset && w->dso == a->site.dso)
		return &w->text;
	w->text.len = 0;
	put_where(&w->text, ev, a);
	w->valid = frag_whole(&w->text);
	if (!w->valid)
		return NULL;
	w->ip = ev->ip;
	w->vm_start = ev->vm_start;
	w->vm_end = ev->vm_end;
	w->page_size = ev->page_size;
	w->region = a->region;
	w->symbol = a->site.symbol;
	w->offset = a->site.offset;
	w->dso = a->site.dso;
	return &w->text;
}

void report_event(const struct report *r, const struct proc *p, const struct cw_event *ev,
		  const struct attribution *a)
{
	const char *kind = cw_outcome_name(ev->outcome);
	const struct json_buf *who, *where;
	struct json_buf *l = r->line;

	if (!r->json) {
		char site[256];

		site_text(site, sizeof(site), &a->site, true);
		fprintf(r->rec, "%.6f %d/%u %-15s %-6s %#" PRIx64 " %s %s in %s\n",
			(double)(ev->time_ns - (r->start_ns < ev->time_ns ? r->start_ns : 0)) / 1e9,
			ev->pid, ev->tid, p->comm, kind, ev->addr, a->region, site, a->site.dso);
		emit(r);
		return;
	}
	/* The same line as fprintf() would write, with a fraction of its work. */
	who = who_of(r->frags, p, ev, kind);
	where = where_of(r->frags, ev, a);
	l->len = 0;
	put_key_u64(l, "{\"type\":\"event\",\"time_ns\":", ev->time_ns);
	if (who && where) {
		json_buf_put(l, who->buf, who->len);
		json_buf_u64(l, ev->addr);
		json_buf_put(l, where->buf, where->len);
	} else {	/* out of memory for the parts: the line piece by piece */
		put_who(l, p, ev, kind);
		json_buf_u64(l, ev->addr);
		put_where(l, ev, a);
	}
	if (a->nframes)
		json_frames(l, a->frames, a->nframes);
	json_buf_str(l, "}\n");
	emit_line(r, l);
}

/* The start of a record that marks a moment of process @p: fork, exec, exit. */
static struct json_buf *json_moment(const struct report *r, const char *type,
				    const struct proc *p, uint64_t time_ns)
{
	struct json_buf *l = r->line;

	l->len = 0;
	json_buf_str(l, "{\"type\":\"");
	json_buf_str(l, type);
	put_key_u64(l, "\",\"time_ns\":", time_ns);
	json_buf_str(l, ",\"pid\":");
	json_buf_i64(l, p->pid);
	json_buf_str(l, ",\"ppid\":");
	json_buf_i64(l, p->ppid);
	json_buf_str(l, ",\"comm\":");
	json_buf_string(l, p->comm);
	return l;
}

void report_exit(const struct report *r, const struct proc *p, const struct cw_exit *ex)
{
	struct json_buf *l;

	if (!r->json)
		return;
	l = json_moment(r, "exit", p, ex->time_ns);
	json_buf_str(l, ",\"counts\":");
	json_buf_counts(l, proc_counts(p));
	json_buf_str(l, "}\n");
	emit_line(r, l);
}

void report_moment(const struct report *r, const struct proc *p, const char *type,
		   uint64_t time_ns)
{
	struct json_buf *l;

	if (!r->json)
		return;
	l = json_moment(r, type, p, time_ns);
	json_buf_str(l, "}\n");
	emit_line(r, l);
}

static const struct region_stat *top_region(const struct proc *p)
{
	const struct region_stat *best = NULL;

	for (size_t i = 0; i < p->nregions; i++)
		if (!best || p->regions[i].pages > best->pages)
			best = &p->regions[i];
	return best;
}

static const struct site_stat *top_site(const struct proc *p)
{
	const struct site_stat *best = NULL;

	for (size_t i = 0; i < p->nsites; i++)
		if (!best || p->sites[i].pages > best->pages)
			best = &p->sites[i];
	return best;
}

static const char *short_dso(const char *dso)
{
	const char *slash = strrchr(dso, '/');

	return slash ? slash + 1 : dso;
}

void report_live(const struct report *r, const struct proc_table *t,
		 const struct report_totals *tot, double interval_s)
{
	size_t n, shown = 0;
	struct proc **v = procs_sorted(t, &n);
	uint64_t total = 0;

	if (!v || r->json) {
		free(v);
		return;
	}
	if (r->tty)
		fputs("\033[H\033[2J", r->rec);
	else
		fprintf(r->rec, "-- %.1fs\n", tot->duration_s);
	if (r->tty)
		fprintf(r->rec, "cowwatch  %.1fs  processes %zu\n%7s %7s %-15s %10s %9s %8s %8s  %-24s %s\n",
			tot->duration_s, n, "PID", "PPID", "COMM", "COPIED", "MiB/s", "ZEROED", "REUSED",
			"TOP REGION", "TOP CODE");
	for (size_t i = 0; i < n; i++) {
		struct proc *p = v[i];
		uint64_t bytes = proc_copied_bytes(p);
		const uint64_t *c = proc_counts(p);
		const struct region_stat *reg = top_region(p);
		const struct site_stat *site = top_site(p);
		char where[256] = "-";

		p->rate = interval_s > 0 ? (double)(bytes - p->tick_bytes) / interval_s : 0;
		p->tick_bytes = bytes;
		total += bytes;
		if (shown >= (size_t)r->top)
			continue;
		if (!r->tty && p->rate == 0 && p->exited)
			continue;	/* plain output: only what still moves */
		shown++;
		if (site)
			site_text(where, sizeof(where), site, false);
		if (r->tty)
			fprintf(r->rec, "%7d %7d %-15s %8.1fMi %9.2f %8" PRIu64 " %8" PRIu64 "  %-24.24s %s%s%s\n",
				p->pid, p->ppid, p->comm, (double)bytes / MIB, p->rate / MIB,
				c[COWWATCH_OUT_ZERO], c[COWWATCH_OUT_REUSE], reg ? reg->name : "-",
				where, site ? " in " : "", site ? short_dso(site->dso) : "");
		else
			fprintf(r->rec, "pid=%d ppid=%d comm=%s copied_mib=%.1f rate_mib_s=%.2f zero=%" PRIu64
				" reuse=%" PRIu64 " region=%s code=%s%s%s%s\n",
				p->pid, p->ppid, p->comm, (double)bytes / MIB, p->rate / MIB,
				c[COWWATCH_OUT_ZERO], c[COWWATCH_OUT_REUSE], reg ? reg->name : "-", where,
				site ? " (" : "", site ? short_dso(site->dso) : "", site ? ")" : "");
	}
	fprintf(r->rec, "%stotal copied %.1f MiB in %zu processes, lost events %" PRIu64 ", lost messages %" PRIu64 "\n",
		r->tty ? "\n" : "", (double)total / MIB, n, tot->lost_events, tot->lost_messages);
	emit(r);
	free(v);
}

/* One call chain of a process's copies (--stacks), for the summary. */
struct chain_line {
	char *stack;		/* "main;...;caller;code", malloc'd */
	uint64_t pages;
};

static int by_chain_text(const void *a, const void *b)
{
	return strcmp(((const struct chain_line *)a)->stack, ((const struct chain_line *)b)->stack);
}

static int by_chain_pages(const void *a, const void *b)
{
	const struct chain_line *x = a, *y = b;

	if (x->pages != y->pages)
		return x->pages < y->pages ? 1 : -1;
	return strcmp(x->stack, y->stack);
}

/*
 * @p's copies by call chain (over all regions), most pages first; *@n
 * lines, free with free_chains(). None without --stacks.
 */
static struct chain_line *proc_chains(const struct proc *p, size_t *n)
{
	struct chain_line *v = calloc(p->npaths ? p->npaths : 1, sizeof(*v));
	size_t k = 0, out = 0;

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < p->npaths; i++) {
		if (!p->paths[i].chain)
			continue;
		v[k].stack = folded_code(&p->paths[i]);
		if (!v[k].stack)
			break;
		v[k++].pages = p->paths[i].site.pages;
	}
	qsort(v, k, sizeof(*v), by_chain_text);
	for (size_t i = 0; i < k; i++) {
		if (out && !strcmp(v[out - 1].stack, v[i].stack)) {
			v[out - 1].pages += v[i].pages;
			free(v[i].stack);
		} else {
			v[out++] = v[i];
		}
	}
	qsort(v, out, sizeof(*v), by_chain_pages);
	*n = out;
	return v;
}

static void free_chains(struct chain_line *v, size_t n)
{
	if (!v)		/* proc_chains() out of memory: n is 0 then */
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i].stack);
	free(v);
}

/* The top three call chains of @p's copies (--stacks). */
static void summary_text_chains(const struct report *r, const struct proc *p)
{
	size_t nc;
	struct chain_line *c = proc_chains(p, &nc);

	for (size_t j = 0; c && j < nc && j < 3; j++)
		fprintf(r->rec, "%17s stack  %s: %" PRIu64 " pages\n", "", c[j].stack, c[j].pages);
	free_chains(c, nc);
}

/* ,"stacks":[{"stack":S,"copied_pages":N},...]: the top call chains of @p's copies. */
static void summary_json_chains(const struct report *r, const struct proc *p)
{
	size_t nc;
	struct chain_line *c = proc_chains(p, &nc);

	if (c && nc) {
		fputs(",\"stacks\":[", r->rec);
		for (size_t j = 0; j < nc && j < (size_t)r->top; j++) {
			fputs(j ? ",{\"stack\":" : "{\"stack\":", r->rec);
			json_string(r->rec, c[j].stack);
			fprintf(r->rec, ",\"copied_pages\":%" PRIu64 "}", c[j].pages);
		}
		fputc(']', r->rec);
	}
	free_chains(c, nc);
}

static void summary_text(const struct report *r, struct proc **v, size_t n,
			 const struct report_totals *tot)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += proc_copied_bytes(v[i]);
	fprintf(r->rec, "cowwatch summary: %.1f s, %zu processes, %.1f MiB copied, lost events %" PRIu64 "%s\n",
		tot->duration_s, n, (double)total / MIB, tot->lost_events,
		tot->lost_messages ? " (and some messages: counts stay exact)" : "");
	fprintf(r->rec, "%7s %7s %-15s %10s %8s %8s %8s %6s %8s %6s\n", "PID", "PPID", "COMM",
		"COPIED", "copy", "zero", "file", "ksm", "reuse", "split");
	for (size_t i = 0; i < n && i < (size_t)r->top; i++) {
		struct proc *p = v[i];
		const uint64_t *c = proc_counts(p);

		fprintf(r->rec, "%7d %7d %-15s %8.1fMi %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %6" PRIu64
			" %8" PRIu64 " %6" PRIu64 "\n",
			p->pid, p->ppid, p->comm, (double)proc_copied_bytes(p) / MIB,
			c[COWWATCH_OUT_COPY], c[COWWATCH_OUT_ZERO], c[COWWATCH_OUT_FILE],
			c[COWWATCH_OUT_KSM], c[COWWATCH_OUT_REUSE], c[COWWATCH_OUT_SPLIT]);
		proc_sort_details(p);
		for (size_t j = 0; j < p->nregions && j < 3; j++)
			fprintf(r->rec, "%17s region %s %#" PRIx64 "-%#" PRIx64 ": %" PRIu64 " pages\n", "",
				p->regions[j].name, p->regions[j].start, p->regions[j].end,
				p->regions[j].pages);
		for (size_t j = 0; j < p->nsites && j < 3; j++) {
			char site[256];

			site_text(site, sizeof(site), &p->sites[j], false);
			fprintf(r->rec, "%17s code   %s in %s: %" PRIu64 " pages\n", "", site,
				p->sites[j].dso, p->sites[j].pages);
		}
		summary_text_chains(r, p);
	}
}

static void summary_json(const struct report *r, struct proc **v, size_t n,
			 const struct report_totals *tot)
{
	fprintf(r->rec, "{\"type\":\"summary\",\"time_ns\":%" PRIu64 ",\"duration_s\":%.3f,"
		"\"lost_events\":%" PRIu64 ",\"lost_messages\":%" PRIu64 ",\"processes\":[",
		tot->now_ns, tot->duration_s, tot->lost_events, tot->lost_messages);
	for (size_t i = 0; i < n; i++) {
		struct proc *p = v[i];

		proc_sort_details(p);
		fprintf(r->rec, "%s{\"pid\":%d,\"ppid\":%d,\"comm\":", i ? "," : "", p->pid, p->ppid);
		json_string(r->rec, p->comm);
		fprintf(r->rec, ",\"exited\":%s,\"counts\":", p->exited ? "true" : "false");
		json_counts(r->rec, proc_counts(p));
		fprintf(r->rec, ",\"copied_bytes\":%" PRIu64 ",\"regions\":[", proc_copied_bytes(p));
		for (size_t j = 0; j < p->nregions && j < (size_t)r->top; j++) {
			fprintf(r->rec, "%s{\"name\":", j ? "," : "");
			json_string(r->rec, p->regions[j].name);
			fprintf(r->rec, ",\"start\":%" PRIu64 ",\"end\":%" PRIu64 ",\"copied_pages\":%" PRIu64 "}",
				p->regions[j].start, p->regions[j].end, p->regions[j].pages);
		}
		fputs("],\"sites\":[", r->rec);
		for (size_t j = 0; j < p->nsites && j < (size_t)r->top; j++) {
			const struct site_stat *s = &p->sites[j];

			fprintf(r->rec, "%s{\"symbol\":", j ? "," : "");
			if (s->symbol)
				json_string(r->rec, s->symbol);
			else
				fputs("null", r->rec);
			fputs(",\"dso\":", r->rec);
			json_string(r->rec, s->dso);
			if (!s->symbol)
				fprintf(r->rec, ",\"offset\":%" PRIu64, s->offset);
			fprintf(r->rec, ",\"copied_pages\":%" PRIu64 "}", s->pages);
		}
		fputc(']', r->rec);
		summary_json_chains(r, p);
		fputc('}', r->rec);
	}
	fputs("]}\n", r->rec);
}

void report_summary(const struct report *r, const struct proc_table *t,
		    const struct report_totals *tot)
{
	size_t n;
	struct proc **v = procs_sorted(t, &n);

	if (!v)
		return;
	if (r->json)
		summary_json(r, v, n, tot);
	else
		summary_text(r, v, n, tot);
	emit(r);
	free(v);
}
