// SPDX-License-Identifier: GPL-2.0
/* What the reader reads of a process from /proc, besides its memory map. */
#include "procfs.h"
#include "str.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Room for the next read(): procfs hands out as many whole records as fit. */
static int make_room(struct procfs_text *t)
{
	size_t ncap;
	char *b;

	if (t->cap - t->len >= 4096)
		return 0;
	ncap = t->cap ? t->cap * 2 : 16384;
	b = realloc(t->buf, ncap);
	if (!b)
		return -ENOMEM;
	t->buf = b;
	t->cap = ncap;
	return 0;
}

int procfs_read_all(const char *path, struct procfs_text *t)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	t->len = 0;
	for (;;) {
		ssize_t n;

		err = make_room(t);
		if (err)
			break;
		n = read(fd, t->buf + t->len, t->cap - t->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break;
		}
		t->len += (size_t)n;
	}
	close(fd);
	return err;
}

/* Reads up to @size - 1 bytes of @path into @buf, NUL-terminated: its length, or -errno. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

static char *put_str(char *at, const char *end, const char *s)
{
	while (*s && at < end)
		*at++ = *s++;
	return at;
}

static char *put_decimal(char *at, const char *end, unsigned int v)
{
	char digits[10];
	int n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n && at < end)
		*at++ = digits[--n];
	return at;
}

char *procfs_path(char *buf, pid_t pid, const char *file)
{
	char *at = buf, *end = buf + PROCFS_PATH_MAX - 1;

	at = put_decimal(put_str(at, end, "/proc/"), end, (unsigned int)pid);
	at = put_str(put_str(at, end, "/"), end, file);
	*at = '\0';
	return buf;
}

/* Past the blank-separated field at @at. */
static const char *skip_field(const char *at)
{
	while (*at == ' ')
		at++;
	while (*at && *at != ' ' && *at != '\n')
		at++;
	return at;
}

/* The decimal field at @at (a minus sign wraps) into *@v; past it, or NULL. */
static const char *decimal_field(const char *at, unsigned long long *v)
{
	bool minus;

	while (*at == ' ')
		at++;
	minus = *at == '-';
	at += minus;
	if (*at < '0' || *at > '9')
		return NULL;
	for (*v = 0; *at >= '0' && *at <= '9'; at++)
		*v = *v * 10 + (unsigned long long)(*at - '0');
	if (minus)
		*v = -*v;
	return at;
}

int procfs_read_stat(pid_t pid, struct procfs_stat *st)
{
	char path[PROCFS_PATH_MAX], buf[1024], *open_paren, *close_paren;
	unsigned long long field[24];
	const char *at;

	procfs_path(path, pid, "stat");
	/* A stat line is some 300 bytes; its fields past the 23rd are not used. */
	if (read_small(path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	/* "pid (comm) state ppid pgrp session tty_nr tpgid flags ...": comm may hold ')' */
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EINVAL;
	/* Fields 4 to 23 (ppid ... vsize) are decimal; pgrp and the tty may be negative. */
	at = close_paren + 1;
	while (*at == ' ')
		at++;
	st->state = *at;
	at = skip_field(at);
	for (int i = 4; i <= 23; i++)
		if (!(at = decimal_field(at, &field[i])))
			return -EINVAL;
	st->ppid = (int)field[4];
	st->flags = (unsigned int)field[9];
	st->threads = (long)field[20];
	st->vsize = field[23];
	*close_paren = 0;
	str_copy(st->comm, sizeof(st->comm), open_paren + 1);
	return 0;
}

int procfs_read_comm(pid_t pid, char *comm, size_t size)
{
	char path[PROCFS_PATH_MAX], buf[64];
	ssize_t n;

	procfs_path(path, pid, "comm");
	n = read_small(path, buf, sizeof(buf));
	if (n <= 0)
		return -ESRCH;
	if (buf[n - 1] == '\n')
		buf[n - 1] = 0;
	str_copy(comm, size, buf);
	return 0;
}

pid_t procfs_tgid(pid_t pid)
{
	char path[PROCFS_PATH_MAX], line[256];
	int tgid = 0;
	FILE *f;

	f = fopen(procfs_path(path, pid, "status"), "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && sscanf(line, "Tgid: %d", &tgid) != 1)
		;
	fclose(f);
	return tgid > 0 ? tgid : 0;
}
