// SPDX-License-Identifier: GPL-2.0
/*
 * cowstorm: a copy-on-write fault storm of known size, timed.
 *
 *   cowstorm [--reuse] [--hold] [--settle MS] [--align MS] [--busy] MIB WORKERS
 *
 * copy (default): the parent maps MIB MiB of private anonymous memory (THP
 * off), writes every page, forks WORKERS workers; each worker writes one
 * byte in every page of that region once. The parent keeps its mapping, so
 * every one of those WORKERS * pages write faults copies the page
 * (do_wp_page -> copy).
 *
 * --reuse: each worker maps its own MIB MiB region (THP off), writes every
 * page, forks a child that exits at once and reaps it: its pages are now
 * write-protected and owned by the worker alone, so each of its writes is
 * a write fault that reuses the page (do_wp_page -> reuse, no copy). Each
 * worker is pinned to one CPU (worker i on CPU i mod CPUs) from before it
 * fills its region: a page still in another CPU's LRU add batch holds an
 * extra reference and would be copied instead.
 *
 * Either way the workers get ready (forked, the region prepared), report
 * on a pipe, and wait on a second pipe; the parent starts the clock
 * (CLOCK_MONOTONIC) and releases them all at once; each worker notes the
 * time right after its last write in a shared page. elapsed = last
 * worker's end - start: only the faulting writes, not the fork, not the
 * workers' exit. A worker that is done reports so and waits, without
 * running, until every worker is done: the first one's exit (unmapping
 * its pages) must not run inside the others' timed writes, which on one
 * CPU it would, by as much as the scheduler happens to let it. Each worker also measures its own CPU time over its writes
 * (CLOCK_THREAD_CPUTIME_ID: the fault handling in its context, probe
 * handlers included; not the reader's, not the drain work's). Output:
 *   variant=copy|reuse mib=M workers=W pages=P faults=W*P elapsed_ns=E
 *   ns_per_fault=E/(W*P) cpu_ns_per_fault=(sum of the workers' CPU)/(W*P)
 *   pids=PID,... regions=ADDR,...
 * (each worker's pid and the start of the region it wrote, in hex: lets a
 * tracer's output be told apart by storm).
 * With W workers on 2 CPUs the writes run in parallel: ns_per_fault is
 * elapsed time divided by all faults, not the cost of one fault.
 * --hold: print "held pid=PID" once forked and wait for a line on standard
 * input before preparing (lets a test attach to the tree first).
 * --settle MS: once every worker is ready, sleep MS milliseconds before
 * starting the clock and releasing them, so that what the preparation left
 * to do (RCU grace periods and callbacks after the fork and the exit of the
 * reuse workers' children, deferred frees of the last storm) is done before
 * the timed writes, not during them. Under qemu's instruction counter an
 * idle sleep costs no instructions (and almost no host time).
 * --align MS: then sleep on until CLOCK_MONOTONIC is a multiple of MS
 * milliseconds, so that every storm of a boot starts at the same point of
 * the kernel's tick (20 is a multiple of the tick at HZ 100, 250 and 1000):
 * timers (a tracer's batching delay, the scheduler's tick) then fall at
 * the same points of every storm.
 * --busy: also count what the storm costs everything, not only what its
 * writes take: the busy time of all CPUs (/proc/schedstat: the run time of
 * every task but the idle one, interrupts included) from the release
 * until the machine is quiet again after the workers' exit (a 50 ms sleep
 * of the parent in which under 1 ms was busy): work a tracer or reader
 * does after the last write (draining a backlog) counts too; so does the
 * workers' exit, the same in every run. Output: busy_ns=B.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 64

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* Run time of every task but the idle ones, all CPUs (ns); 0 if unknown. */
static uint64_t busy_ns(void)
{
	FILE *f = fopen("/proc/schedstat", "re");
	unsigned long long v[7];
	uint64_t sum = 0;
	char line[512];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "cpu", 3) ||
		    sscanf(line, "%*s %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]) != 7)
			continue;
		sum += v[6];	/* rq_cpu_time */
	}
	fclose(f);
	return sum;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Busy time from @since until a 50 ms stretch with under 1 ms busy (at most 10 s). */
static uint64_t busy_until_quiet(uint64_t since)
{
	uint64_t prev = busy_ns(), cur;

	for (int i = 0; i < 200; i++) {
		sleep_ms(50);
		cur = busy_ns();
		if (cur - prev < 1000000u)
			break;
		prev = cur;
	}
	return prev - since;
}

static char *map_filled(size_t len, long page)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	for (size_t off = 0; off < len; off += (size_t)page)
		p[off] = 1;
	return p;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

__attribute__((noinline)) static void storm_write(volatile char *p, long pages, long page)
{
	for (long i = 0; i < pages; i++)
		p[i * page] = 2;
}

static void worker(int index, int reuse, char *region, size_t len, long page,
		   int ready_fd, int go_fd, int leave_fd, volatile uint64_t *end,
		   volatile uint64_t *cpu, volatile uint64_t *where)
{
	uint64_t cpu0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char byte = 'r';

	if (reuse) {
		pid_t c;

		pin((int)(index % (ncpu > 0 ? ncpu : 1)));
		region = map_filled(len, page);
		if (!region)
			_exit(3);
		c = fork();
		if (c < 0)
			_exit(3);
		if (c == 0)
			_exit(0);
		if (waitpid(c, NULL, 0) != c)
			_exit(3);
	}
	where[index] = (uint64_t)(uintptr_t)region;
	if (write(ready_fd, &byte, 1) != 1)
		_exit(4);
	/* Released when the parent closes the other end. */
	if (read(go_fd, &byte, 1) < 0)
		_exit(4);
	cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	storm_write(region, (long)(len / (size_t)page), page);
	end[index] = now_ns();
	cpu[index] = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	/* Done; exit once every worker is (the parent closes @leave_fd's end). */
	if (write(ready_fd, &byte, 1) != 1)
		_exit(4);
	close(ready_fd);	/* the parent sees EOF if a worker died instead */
	if (read(leave_fd, &byte, 1) < 0)
		_exit(4);
	_exit(0);
}

int main(int argc, char **argv)
{
	int reuse = 0, hold = 0, busy = 0, workers, ready[2], go[2], leave[2], failed = 0;
	long settle_ms = 0, align_ms = 0;
	pid_t pids[MAX_WORKERS];
	volatile uint64_t *end;
	uint64_t start, last = 0, cpu_total = 0, busy0 = 0, busy_total = 0;
	char *region = NULL;
	long page, mib, pages;
	size_t len;

	while (argc > 1 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "--reuse"))
			reuse = 1;
		else if (!strcmp(argv[1], "--hold"))
			hold = 1;
		else if (!strcmp(argv[1], "--busy"))
			busy = 1;
		else if (!strcmp(argv[1], "--settle") && argc > 2) {
			settle_ms = strtol(argv[2], NULL, 10);
			argv++;
			argc--;
		} else if (!strcmp(argv[1], "--align") && argc > 2) {
			align_ms = strtol(argv[2], NULL, 10);
			argv++;
			argc--;
		} else
			break;
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: cowstorm [--reuse] [--hold] [--settle MS] [--align MS] [--busy] MIB WORKERS\n");
		return 2;
	}
	mib = strtol(argv[1], NULL, 10);
	workers = (int)strtol(argv[2], NULL, 10);
	if (mib < 1 || mib > 4096 || workers < 1 || workers > MAX_WORKERS ||
	    settle_ms < 0 || settle_ms > 10000 || align_ms < 0 || align_ms > 10000) {
		fprintf(stderr, "cowstorm: MIB 1..4096, WORKERS 1..%d, MS 0..10000\n", MAX_WORKERS);
		return 2;
	}
	page = sysconf(_SC_PAGESIZE);
	len = (size_t)mib << 20;
	pages = (long)(len / (size_t)page);
	end = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (end == MAP_FAILED || pipe(ready) || pipe(go) || pipe(leave))
		return 1;
	if (!reuse) {
		region = map_filled(len, page);
		if (!region)
			return 1;
	}
	if (hold) {
		char line[16];

		printf("held pid=%d\n", (int)getpid());
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			line[0] = 0;
	}
	for (int i = 0; i < workers; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (pids[i] == 0) {
			close(ready[0]);
			close(go[1]);
			close(leave[1]);
			worker(i, reuse, region, len, page, ready[1], go[0], leave[0], end,
			       end + MAX_WORKERS, end + 2 * MAX_WORKERS);
		}
	}
	close(ready[1]);
	close(go[0]);
	close(leave[0]);
	for (int i = 0; i < workers; i++) {
		char byte;

		if (read(ready[0], &byte, 1) != 1) {
			fprintf(stderr, "cowstorm: a worker failed to get ready\n");
			failed = 1;
			break;
		}
	}
	if (settle_ms)
		sleep_ms(settle_ms);
	if (align_ms) {
		uint64_t grid = (uint64_t)align_ms * 1000000u;
		uint64_t at = (now_ns() / grid + 1) * grid;
		struct timespec ts = { (time_t)(at / 1000000000u), (long)(at % 1000000000u) };

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	if (busy)
		busy0 = busy_ns();
	start = now_ns();
	close(go[1]);		/* every worker reads EOF and writes */
	for (int i = 0; i < workers && !failed; i++) {
		char byte;

		if (read(ready[0], &byte, 1) != 1)
			failed = 1;
	}
	close(leave[1]);	/* all done (or one failed): every worker exits */
	for (int i = 0; i < workers; i++) {
		int status;

		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failed = 1;
		if (end[i] > last)
			last = end[i];
		cpu_total += end[MAX_WORKERS + i];
	}
	if (failed || last < start) {
		fprintf(stderr, "cowstorm: a worker failed\n");
		return 1;
	}
	if (busy && busy0)
		busy_total = busy_until_quiet(busy0);
	printf("variant=%s mib=%ld workers=%d pages=%ld faults=%ld elapsed_ns=%llu ns_per_fault=%.1f cpu_ns_per_fault=%.1f",
	       reuse ? "reuse" : "copy", mib, workers, pages, pages * workers,
	       (unsigned long long)(last - start),
	       (double)(last - start) / (double)(pages * workers),
	       (double)cpu_total / (double)(pages * workers));
	for (int i = 0; i < workers; i++)
		printf("%s%d", i ? "," : " pids=", (int)pids[i]);
	for (int i = 0; i < workers; i++)
		printf("%s%llx", i ? "," : " regions=", (unsigned long long)end[2 * MAX_WORKERS + i]);
	if (busy_total)
		printf(" busy_ns=%llu", (unsigned long long)busy_total);
	printf("\n");
	return 0;
}
