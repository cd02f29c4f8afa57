// SPDX-License-Identifier: GPL-2.0
/* What the reader reads of a process from /proc, besides its memory map. */
#include "procfs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int procfs_read_stat(pid_t pid, struct procfs_stat *st)
{
	char path[64], buf[1024], *open_paren, *close_paren;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* "pid (comm) state ppid pgrp session tty_nr tpgid flags ...": comm may hold ')' */
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren ||
	    sscanf(close_paren + 1, " %*c %d %*d %*d %*d %*d %u", &st->ppid, &st->flags) != 2)
		return -EINVAL;
	*close_paren = 0;
	snprintf(st->comm, sizeof(st->comm), "%s", open_paren + 1);
	return 0;
}

pid_t procfs_tgid(pid_t pid)
{
	char path[64], line[256];
	int tgid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && sscanf(line, "Tgid: %d", &tgid) != 1)
		;
	fclose(f);
	return tgid > 0 ? tgid : 0;
}
