// SPDX-License-Identifier: GPL-2.0
/*
 * cowtree: a process tree that breaks copy-on-write sharing in known ways,
 * for checking the reader's attribution against ground truth.
 *
 *   cowtree [--hold | --serial] PAGES0 [PAGES1 ...]
 *
 * The parent maps a private anonymous region (THP off, so its own VMA of
 * 4 KiB pages), writes every page, prints "region=0xSTART pages=N" and
 * forks one worker per argument. Worker i writes PAGESi distinct pages of
 * the region once each, in cw_worker_write(): exactly PAGESi copies in the
 * region, all from that function. Worker 0 writes from a second thread
 * (cw_thread_main() calls cw_worker_write()). Workers exit as soon as they
 * are done (they live milliseconds). The parent writes nothing after the
 * fork, waits for them, prints "worker=PID pages=N" for each and exits.
 * With --hold the workers wait, after the fork, until a line arrives on
 * standard input (the parent prints "held" once they are all forked):
 * time for a test to attach to the running tree.
 * With --serial the parent forks each worker only after the one before it
 * has exited and been reaped: with a small pid_max, workers get the pids
 * of workers before them (a pid reused during the watch).
 * Pinned to CPU 0: a page in another CPU's LRU batch holds an extra
 * reference, which would turn the parent's reuse into a copy.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WORKERS 4096

static char *region;
static long page;

struct job {
	long first, count;
};

__attribute__((noinline)) void cw_worker_write(long first, long count)
{
	for (long i = 0; i < count; i++)
		((volatile char *)region)[(first + i) * page] = 2;
}

__attribute__((noinline)) void *cw_thread_main(void *arg)
{
	struct job *j = arg;

	cw_worker_write(j->first, j->count);
	return NULL;
}

static void worker(int index, long first, long count, int hold_fd)
{
	struct job j = { first, count };
	pthread_t t;
	char byte;

	/* Held: until the parent closes the pipe's other end. */
	if (hold_fd >= 0 && read(hold_fd, &byte, 1) < 0)
		_exit(4);

	if (index == 0) {
		if (pthread_create(&t, NULL, cw_thread_main, &j) || pthread_join(t, NULL))
			_exit(3);
	} else {
		cw_worker_write(first, count);
	}
	_exit(0);
}

/* Waits for worker @pid; prints its account. Returns 0 if it did its work. */
static int reap(pid_t pid, long pages)
{
	int status;

	printf("worker=%d pages=%ld\n", (int)pid, pages);
	return waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	long pages[MAX_WORKERS], total = 0, first = 0;
	pid_t pids[MAX_WORKERS];
	int n, failed = 0, hold = 0, serial = 0, hold_pipe[2] = { -1, -1 };
	cpu_set_t cpu0;

	if (argc > 1 && !strcmp(argv[1], "--serial")) {
		serial = 1;
		argv++;
		argc--;
	} else if (argc > 1 && !strcmp(argv[1], "--hold")) {
		hold = 1;
		argv++;
		argc--;
		if (pipe(hold_pipe))
			return 1;
	}
	n = argc - 1;

	if (n < 1 || n > MAX_WORKERS) {
		fprintf(stderr, "usage: cowtree PAGES0 [PAGES1 ...] (at most %d)\n", MAX_WORKERS);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		pages[i] = strtol(argv[i + 1], NULL, 10);
		if (pages[i] < 0 || pages[i] > 1 << 20)
			return 2;
		total += pages[i];
	}
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	sched_setaffinity(0, sizeof(cpu0), &cpu0);
	page = sysconf(_SC_PAGESIZE);
	region = mmap(NULL, (size_t)(total + 1) * page, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		return 1;
	madvise(region, (size_t)(total + 1) * page, MADV_NOHUGEPAGE);
	for (long i = 0; i <= total; i++)
		region[i * page] = 1;
	printf("region=%p pages=%ld\n", (void *)region, total + 1);
	fflush(stdout);

	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (pids[i] == 0) {
			close(hold_pipe[1]);
			worker(i, first, pages[i], hold_pipe[0]);
		}
		first += pages[i];
		if (serial && reap(pids[i], pages[i]))
			failed = 1;
	}
	if (hold) {
		char line[16];

		close(hold_pipe[0]);
		printf("held\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			line[0] = 0;
		close(hold_pipe[1]);	/* the workers read EOF and go */
	}
	for (int i = 0; i < n && !serial; i++)
		if (reap(pids[i], pages[i]))
			failed = 1;
	return failed;
}
