// SPDX-License-Identifier: GPL-2.0
/*
 * cowload: copy-on-write workloads with a known number of faults.
 *
 *   cowload MODE N [FILE]
 *
 * Prints "pid=P" and "region=0xADDR" (the N-page region the mode writes),
 * waits for one byte (or EOF) on stdin so the test can start watching
 * first, then runs MODE; prints "child=C" for a forked child. Pinned to
 * CPU 0: a page that sits in another CPU's LRU batch holds an extra
 * reference, which would turn a reuse into a copy.
 *   anon N      populate N private anonymous pages, fork; the child
 *               writes each page once (N copies in the child, 0 in
 *               the parent)
 *   reuse N     populate, fork a child that exits at once, then the
 *               parent writes each page (N reuses in the parent)
 *   zero N      read each page (the zero page is mapped), fork; the child
 *               writes each (N zero), then the parent does (N zero)
 *   file N F    F gets N pages; map it MAP_PRIVATE, read each page, then
 *               write each (N file)
 *   filecold N F  as file, without reading first: the first write copies
 *               in do_cow_fault(), not do_wp_page() (0 events)
 *   loop N      fork-and-write N pages, over and over, until killed
 * THP is off for the region, so every fault is a 4 KiB one.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static long pg;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static char *anon(long n)
{
	char *p = mmap(NULL, n * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	if (madvise(p, n * pg, MADV_NOHUGEPAGE))
		die("madvise");
	return p;
}

static void write_all(char *p, long n, char v)
{
	for (long i = 0; i < n; i++)
		((volatile char *)p)[i * pg] = v;
}

static long read_all(const char *p, long n)
{
	long sum = 0;

	for (long i = 0; i < n; i++)
		sum += ((const volatile char *)p)[i * pg];
	return sum;
}

static pid_t fork_child(void)
{
	pid_t c = fork();

	if (c < 0)
		die("fork");
	if (c > 0) {
		printf("child=%d\n", (int)c);
		fflush(stdout);
	}
	return c;
}

static void reap(pid_t c)
{
	int st;

	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		die("child");
}

static char *map_file(const char *path, long n, int fill)
{
	char *p;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		die(path);
	if (fill) {
		char *buf = malloc(pg);

		if (!buf)
			die("malloc");
		memset(buf, 'f', pg);
		for (long i = 0; i < n; i++)
			if (write(fd, buf, pg) != pg)
				die("write");
		free(buf);
		fsync(fd);
	}
	p = mmap(NULL, n * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("mmap file");
	madvise(p, n * pg, MADV_NOHUGEPAGE);
	close(fd);
	return p;
}

int main(int argc, char **argv)
{
	const char *mode;
	char *p = NULL, c;
	cpu_set_t cpus;
	long n;
	pid_t child;

	if (argc < 3)
		return 2;
	mode = argv[1];
	n = atol(argv[2]);
	pg = sysconf(_SC_PAGESIZE);
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		die("sched_setaffinity");

	if (!strcmp(mode, "file") || !strcmp(mode, "filecold")) {
		if (argc < 4)
			return 2;
		p = map_file(argv[3], n, 1);
	} else {
		p = anon(n);
	}
	if (!strcmp(mode, "anon") || !strcmp(mode, "reuse") || !strcmp(mode, "loop"))
		write_all(p, n, 1);
	else if (!strcmp(mode, "zero") || !strcmp(mode, "file"))
		read_all(p, n);
	printf("pid=%d\nregion=%p\n", (int)getpid(), (void *)p);
	fflush(stdout);
	if (read(0, &c, 1) < 0)
		die("read");

	if (!strcmp(mode, "anon")) {
		child = fork_child();
		if (!child) {
			write_all(p, n, 2);
			_exit(0);
		}
		reap(child);
	} else if (!strcmp(mode, "reuse")) {
		child = fork_child();
		if (!child)
			_exit(0);
		reap(child);
		write_all(p, n, 3);
	} else if (!strcmp(mode, "zero")) {
		child = fork_child();
		if (!child) {
			write_all(p, n, 4);
			_exit(0);
		}
		reap(child);
		write_all(p, n, 5);
	} else if (!strcmp(mode, "file") || !strcmp(mode, "filecold")) {
		write_all(p, n, 6);
	} else if (!strcmp(mode, "loop")) {
		for (;;) {
			child = fork();
			if (child < 0)
				die("fork");
			if (!child) {
				write_all(p, n, 7);
				_exit(0);
			}
			reap(child);
			write_all(p, n, 8);
		}
	} else {
		fprintf(stderr, "cowload: unknown mode %s\n", mode);
		return 2;
	}
	printf("done\n");
	return 0;
}
