/* SPDX-License-Identifier: GPL-2.0 */
/* What the reader reads of a process from /proc, besides its memory map (maps.h). */
#ifndef COWWATCH_PROCFS_H
#define COWWATCH_PROCFS_H

#include <stddef.h>
#include <sys/types.h>

#define PF_KTHREAD 0x00200000	/* include/linux/sched.h: the task is a kernel thread */

/* Fields of /proc/PID/stat. */
struct procfs_stat {
	char comm[64];		/* longer than TASK_COMM_LEN: kworkers show their workqueue */
	char state;		/* R, S, Z (zombie), ... */
	int ppid;
	unsigned int flags;	/* PF_* */
	long threads;		/* num_threads */
	unsigned long long vsize;	/* bytes of address space mapped */
};

/* A /proc file's whole text, in a buffer reused from read to read. */
struct procfs_text {
	char *buf;
	size_t len, cap;
};

/* Enough for any path procfs_path() makes. */
#define PROCFS_PATH_MAX 64

/*
 * "/proc/@pid/@file" into @buf of PROCFS_PATH_MAX bytes (@file cut to
 * fit); returns @buf. An attach makes thousands of these: snprintf() cost
 * more than some of the reads they name.
 */
char *procfs_path(char *buf, pid_t pid, const char *file);

/*
 * Reads all of @path into @t (grown as needed; free(t->buf) when done),
 * with plain read()s: no stdio stream to set up for each of the thousands
 * of small files a scale attach reads. Returns 0, or -errno.
 */
int procfs_read_all(const char *path, struct procfs_text *t);

/* Reads /proc/@pid/stat. Returns 0, -ESRCH (no such process) or -EINVAL. */
int procfs_read_stat(pid_t pid, struct procfs_stat *st);
/*
 * The name of @pid (its main thread's) into @comm of @size bytes, from
 * /proc/@pid/comm: the name stat shows, in a smaller file the kernel makes
 * with less work. Returns 0 or -ESRCH.
 */
int procfs_read_comm(pid_t pid, char *comm, size_t size);
/* The process (thread group) @pid belongs to, from /proc/@pid/status; 0 if unknown. */
pid_t procfs_tgid(pid_t pid);

#endif /* COWWATCH_PROCFS_H */
