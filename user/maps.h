/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Snapshots of a process's memory map (/proc/PID/maps), kept so that a
 * copy made by a process that has exited since can still be named: the
 * region it hit and the file its code came from.
 */
#ifndef COWWATCH_MAPS_H
#define COWWATCH_MAPS_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "procfs.h"

struct map_entry {
	uint64_t start, end;	/* [start, end) */
	uint64_t offset;	/* file offset of start */
	uint64_t ino;		/* 0: not file backed */
	unsigned int dev_major, dev_minor;
	char perms[5];		/* "r-xp" */
	char *path;		/* as the kernel shows it; NULL if none */
};

struct maps {
	struct map_entry *entries;	/* sorted by start, no overlaps */
	size_t count;
};

/* Parses maps text from @in; returns 0, or -errno (-EINVAL: malformed). */
int maps_parse(FILE *in, struct maps *out);
/* Parses the @len bytes of maps text at @text; as maps_parse(). */
int maps_parse_text(const char *text, size_t len, struct maps *out);
/*
 * Reads /proc/@pid/maps into @t (grown as needed; free(t->buf) when done).
 * Returns 0, or -errno (-ENOENT: no such process).
 */
int maps_read_text(pid_t pid, struct procfs_text *t);
/* Reads /proc/@pid/maps; returns 0, or -errno (-ENOENT: no such process). */
int maps_read_pid(pid_t pid, struct maps *out);
void maps_free(struct maps *m);

/* The entry holding @addr, or NULL. */
const struct map_entry *maps_find(const struct maps *m, uint64_t addr);

/*
 * A region's name for people: the file path, "[heap]", "[stack]", other
 * kernel names as given ("[vdso]"), or "[anon]" for anonymous memory.
 */
const char *map_entry_name(const struct map_entry *e);

#endif /* COWWATCH_MAPS_H */
