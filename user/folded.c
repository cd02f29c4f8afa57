// SPDX-License-Identifier: GPL-2.0
/* The copies as folded stacks (see folded.h). */
#include "folded.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

struct folded_line {
	char *stack;
	uint64_t pages;
};

/*
 * A frame of the folded format: ';' separates frames and the last space
 * the count, so both become '_' inside a name (a path with a space in it,
 * a process named "a;b"); control characters too.
 */
static void put_frame(FILE *f, const char *name)
{
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		fputc(*c == ';' || *c == ' ' || *c < 0x20 ? '_' : *c, f);
}

/* The callers of a chain (CW_CHAIN_SEP between them), each a frame and a ';'. */
static void put_chain(FILE *f, const char *chain)
{
	char name[256];

	while (chain && *chain) {
		const char *end = strchr(chain, CW_CHAIN_SEP);
		size_t n = end ? (size_t)(end - chain) : strlen(chain);

		snprintf(name, sizeof(name), "%.*s", (int)n, chain);
		put_frame(f, name);
		fputc(';', f);
		chain = end ? end + 1 : NULL;
	}
}

/* "[CALLERS;]CODE" of @ps: its callers (--stacks) and the code that wrote. */
static void put_code(FILE *f, const struct path_stat *ps)
{
	char code[256];

	put_chain(f, ps->chain);
	site_frame_name(&ps->site, code, sizeof(code));
	put_frame(f, code);
}

char *folded_code(const struct path_stat *ps)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	put_code(f, ps);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* "COMM;REGION;[CALLERS;]CODE" of one path of @p, malloc'd; NULL if out of memory. */
static char *stack_of(const struct proc *p, const struct path_stat *ps)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	put_frame(f, p->comm[0] ? p->comm : "?");
	fputc(';', f);
	put_frame(f, ps->region);
	fputc(';', f);
	put_code(f, ps);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int by_stack(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->stack, ((const struct folded_line *)b)->stack);
}

static int collect(const struct proc_table *t, struct folded_line **lines, size_t *n)
{
	size_t cap = 0;

	*lines = NULL;
	*n = 0;
	for (size_t b = 0; b < sizeof(t->buckets) / sizeof(t->buckets[0]); b++) {
		for (const struct proc *p = t->buckets[b]; p; p = p->next) {
			for (size_t i = 0; i < p->npaths; i++) {
				struct folded_line *l = array_grow(*lines, &cap, *n, sizeof(*l), 64);

				if (!l)
					return -ENOMEM;
				*lines = l;
				l[*n].stack = stack_of(p, &p->paths[i]);
				if (!l[*n].stack)
					return -ENOMEM;
				l[*n].pages = p->paths[i].site.pages;
				(*n)++;
			}
		}
	}
	return 0;
}

int folded_write(FILE *out, const struct proc_table *t)
{
	struct folded_line *lines;
	size_t n;
	int err = collect(t, &lines, &n);

	if (!err && n)
		qsort(lines, n, sizeof(*lines), by_stack);
	for (size_t i = 0; !err && i < n;) {
		uint64_t pages = 0;
		size_t j = i;

		/* Processes of one name, one line per stack. */
		while (j < n && !strcmp(lines[j].stack, lines[i].stack))
			pages += lines[j++].pages;
		if (fprintf(out, "%s %" PRIu64 "\n", lines[i].stack, pages) < 0)
			err = -EIO;
		i = j;
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i].stack);
	free(lines);
	if (!err && fflush(out))
		err = -errno;
	return err;
}
