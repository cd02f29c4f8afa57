// SPDX-License-Identifier: GPL-2.0
/* Parsing and searching /proc/PID/maps snapshots. */
#include "maps.h"

#include "array.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Hex digits at *@s into *@v; moves *@s past them. False if there are none. */
static bool parse_hex(const char **s, const char *end, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0;

	for (; p < end && isxdigit((unsigned char)*p); p++)
		x = x << 4 | (uint64_t)(isdigit((unsigned char)*p) ? *p - '0' : (*p | 0x20) - 'a' + 10);
	if (p == *s)
		return false;
	*s = p;
	*v = x;
	return true;
}

static bool parse_dec(const char **s, const char *end, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0;

	for (; p < end && isdigit((unsigned char)*p); p++)
		x = x * 10 + (uint64_t)(*p - '0');
	if (p == *s)
		return false;
	*s = p;
	*v = x;
	return true;
}

static bool expect(const char **s, const char *end, char c)
{
	if (*s >= end || **s != c)
		return false;
	(*s)++;
	return true;
}

static void skip_blanks(const char **s, const char *end)
{
	while (*s < end && (**s == ' ' || **s == '\t'))
		(*s)++;
}

/*
 * "start-end perms offset major:minor inode [path]", the line [@s, @end)
 * without its newline. By hand, not with sscanf(): a scale attach parses
 * thousands of lines, and sscanf() cost some 6,000 instructions a line.
 */
static int parse_line(const char *s, const char *end, struct map_entry *e)
{
	uint64_t major, minor;
	size_t n = 0;

	memset(e, 0, sizeof(*e));
	if (!parse_hex(&s, end, &e->start) || !expect(&s, end, '-') ||
	    !parse_hex(&s, end, &e->end) || !expect(&s, end, ' '))
		return -EINVAL;
	while (s < end && *s != ' ' && n < sizeof(e->perms) - 1)
		e->perms[n++] = *s++;
	skip_blanks(&s, end);
	if (!n || !parse_hex(&s, end, &e->offset))
		return -EINVAL;
	skip_blanks(&s, end);
	if (!parse_hex(&s, end, &major) || !expect(&s, end, ':') || !parse_hex(&s, end, &minor))
		return -EINVAL;
	skip_blanks(&s, end);
	if (!parse_dec(&s, end, &e->ino) || e->end <= e->start || major > UINT_MAX ||
	    minor > UINT_MAX || (s < end && *s != ' '))
		return -EINVAL;
	e->dev_major = (unsigned int)major;
	e->dev_minor = (unsigned int)minor;
	skip_blanks(&s, end);
	if (s == end)
		return 0;
	e->path = strndup(s, (size_t)(end - s));
	return e->path ? 0 : -ENOMEM;
}

static int append(struct maps *m, size_t *cap, const struct map_entry *e)
{
	struct map_entry *n = array_grow(m->entries, cap, m->count, sizeof(*n), 64);

	if (!n)
		return -ENOMEM;
	m->entries = n;
	m->entries[m->count++] = *e;
	return 0;
}

int maps_parse_text(const char *text, size_t len, struct maps *out)
{
	const char *s = text, *end = text + len;
	size_t cap = 0;
	struct map_entry e;
	int err = 0;

	out->entries = NULL;
	out->count = 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *eol = nl ? nl : end;

		err = parse_line(s, eol, &e);
		/* The kernel lists regions in address order, never overlapping. */
		if (!err && out->count && e.start < out->entries[out->count - 1].end)
			err = -EINVAL;
		if (!err)
			err = append(out, &cap, &e);
		if (err) {
			free(e.path);
			break;
		}
		s = nl ? nl + 1 : end;
	}
	if (err)
		maps_free(out);
	return err;
}

int maps_parse(FILE *in, struct maps *out)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	char chunk[4096];
	size_t n;
	int err;

	if (!mem)
		return -ENOMEM;
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, n, mem);
	err = fclose(mem) ? -ENOMEM : maps_parse_text(text, len, out);
	free(text);
	return err;
}

int maps_read_text(pid_t pid, struct procfs_text *t)
{
	char path[PROCFS_PATH_MAX];

	return procfs_read_all(procfs_path(path, pid, "maps"), t);
}

int maps_read_pid(pid_t pid, struct maps *out)
{
	struct procfs_text t = { 0 };
	int err = maps_read_text(pid, &t);

	if (!err)
		err = maps_parse_text(t.buf, t.len, out);
	free(t.buf);
	return err;
}

void maps_free(struct maps *m)
{
	for (size_t i = 0; i < m->count; i++)
		free(m->entries[i].path);
	free(m->entries);
	m->entries = NULL;
	m->count = 0;
}

const struct map_entry *maps_find(const struct maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct map_entry *e = &m->entries[mid];

		if (addr < e->start)
			hi = mid;
		else if (addr >= e->end)
			lo = mid + 1;
		else
			return e;
	}
	return NULL;
}

const char *map_entry_name(const struct map_entry *e)
{
	return e->path ? e->path : "[anon]";
}
