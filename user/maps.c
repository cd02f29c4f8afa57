// SPDX-License-Identifier: GPL-2.0
/* Parsing and searching /proc/PID/maps snapshots. */
#include "maps.h"

#include "array.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int parse_line(char *line, struct map_entry *e)
{
	int path_at = 0;
	size_t len;

	memset(e, 0, sizeof(*e));
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n",
		   &e->start, &e->end, e->perms, &e->offset, &e->dev_major,
		   &e->dev_minor, &e->ino, &path_at) != 7 || path_at == 0)
		return -EINVAL;
	if (e->end <= e->start)
		return -EINVAL;
	len = strlen(line + path_at);
	while (len && (line[path_at + len - 1] == '\n'))
		len--;
	if (!len)
		return 0;
	e->path = strndup(line + path_at, len);
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

int maps_parse(FILE *in, struct maps *out)
{
	char *line = NULL;
	size_t line_cap = 0, cap = 0;
	struct map_entry e;
	int err = 0;

	out->entries = NULL;
	out->count = 0;
	while (getline(&line, &line_cap, in) > 0) {
		err = parse_line(line, &e);
		/* The kernel lists regions in address order, never overlapping. */
		if (!err && out->count && e.start < out->entries[out->count - 1].end)
			err = -EINVAL;
		if (!err)
			err = append(out, &cap, &e);
		if (err) {
			free(e.path);
			break;
		}
	}
	free(line);
	if (err)
		maps_free(out);
	return err;
}

int maps_read_pid(pid_t pid, struct maps *out)
{
	char path[64];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	err = maps_parse(f, out);
	fclose(f);
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
