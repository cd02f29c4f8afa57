// SPDX-License-Identifier: GPL-2.0
/*
 * groundtruth: a process tree that breaks copy-on-write sharing in every way
 * cowwatch tells apart, and writes down exactly what it did.
 *
 *   groundtruth [--go FILE] [--cpu N] [--file PATH] anon=A0,A1,.. zero=..
 *               file=.. thp=.. huge=.. reuse=R
 *
 * Each list has one count per worker (all lists the same length); a list
 * left out is all zeros. The parent sets up one region per kind, each its
 * own VMA between PROT_NONE guard pages (so the kernel cannot merge it with
 * a neighbour and its start is the region's start in /proc/PID/maps):
 *   anon  private anonymous, 4 KiB pages (THP off), filled by the parent:
 *         worker i writes Ai pages        -> Ai "copy" events
 *   zero  private anonymous, 4 KiB pages, never written before the fork:
 *         worker i reads then writes Zi pages: the read maps the shared
 *         zero page, the write replaces it  -> Zi "zero" events
 *   file  PATH (created here) mapped MAP_PRIVATE: worker i reads then
 *         writes Fi pages (a page never read would be copied in
 *         do_cow_fault, which cowwatch does not see) -> Fi "file" events
 *   thp   private anonymous, 2 MiB aligned, MADV_HUGEPAGE, filled by the
 *         parent (smaps AnonHugePages of the region is printed: the premise
 *         that it is THP backed): worker i writes Ti 4 KiB pages; the kernel
 *         splits the worker's huge mapping and copies 4 KiB pages one by one
 *         -> one "split" event of page size 2097152 per huge page the
 *         worker writes in, then Ti "copy" events of page size 4096
 *   huge  private hugetlb (2 MiB pages, reserved by the caller), filled by
 *         the parent: worker i writes Hi huge pages -> Hi "copy" events of
 *         page size 2097152
 * Worker 0 does all its writes from a second thread. Workers exit as soon as
 * they are done (milliseconds). After reaping them all, the parent writes R
 * pages of the anon region: nobody else maps them any more -> R "reuse"
 * events in the parent. The parent's only other events in the regions are
 * its first writes to the hugetlb pages, one reuse each (see main()).
 * Each kind is written by its own function (gt_write_<kind>, gt_reuse), the
 * code site cowwatch must name.
 *
 * Output, one JSON object per line: the regions, the processes, then every
 * expected (pid, region, kind, pages, symbol) tuple. The workers are held
 * after the fork until FILE exists (--go), so that two trees can be let go
 * at once. Everything runs on CPU N (default 0): a page still in another
 * CPU's LRU batch holds a reference that turns a reuse into a copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS	16
#define HUGE_SIZE	(2UL << 20)

enum kind { ANON, ZERO, FILE_PRIV, THP, HUGE, NKINDS };

static const char *const kind_names[NKINDS] = { "anon", "zero", "file", "thp", "huge" };
static const char *const kind_outcome[NKINDS] = { "copy", "zero", "file", "copy", "copy" };
static const char *const kind_symbol[NKINDS] = {
	"gt_write_anon", "gt_write_zero", "gt_write_file", "gt_write_thp", "gt_write_huge"
};

static long counts[NKINDS][MAX_WORKERS];
static long totals[NKINDS];
static char *regions[NKINDS];
static long page;
static int nworkers = -1;

static size_t unit(enum kind k)
{
	return k == HUGE ? HUGE_SIZE : (size_t)page;
}

/* Reads then writes each page: volatile so neither access is optimised out. */
static void touch(enum kind k, long first, long n, int read_first)
{
	volatile char *r = regions[k];

	for (long i = 0; i < n; i++) {
		size_t off = (first + i) * unit(k);

		if (read_first)
			(void)r[off];
		r[off] = 2;
	}
}

__attribute__((noinline)) void gt_write_anon(long first, long n) { touch(ANON, first, n, 0); }
__attribute__((noinline)) void gt_write_zero(long first, long n) { touch(ZERO, first, n, 1); }
__attribute__((noinline)) void gt_write_file(long first, long n) { touch(FILE_PRIV, first, n, 1); }
__attribute__((noinline)) void gt_write_thp(long first, long n) { touch(THP, first, n, 0); }
__attribute__((noinline)) void gt_write_huge(long first, long n) { touch(HUGE, first, n, 0); }
__attribute__((noinline)) void gt_reuse(long n) { touch(ANON, 0, n, 0); }
__attribute__((noinline)) void gt_fill(enum kind k, size_t len) { touch(k, 0, len / unit(k), 0); }

static void (*const writers[NKINDS])(long, long) = {
	gt_write_anon, gt_write_zero, gt_write_file, gt_write_thp, gt_write_huge
};

struct job {
	long first[NKINDS];
	int index;
};

static void *do_job(void *arg)
{
	struct job *j = arg;

	for (int k = 0; k < NKINDS; k++)
		writers[k](j->first[k], counts[k][j->index]);
	return NULL;
}

static void worker(struct job *j, int hold_fd)
{
	pthread_t t;
	char byte;

	if (read(hold_fd, &byte, 1) < 0)	/* EOF when the parent lets go */
		_exit(4);
	if (j->index == 0) {
		if (pthread_create(&t, NULL, do_job, j) || pthread_join(t, NULL))
			_exit(3);
	} else {
		do_job(j);
	}
	_exit(0);
}

/* len bytes between two PROT_NONE guards (a page at least), aligned to align. */
static char *guarded(size_t len, size_t align)
{
	char *base = mmap(NULL, len + 2 * align, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *r;

	if (base == MAP_FAILED)
		return NULL;
	r = (char *)(((unsigned long)base + page + align - 1) & ~(align - 1));
	r = mmap(r, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	return r == MAP_FAILED ? NULL : r;
}

/* The region's length: one page more than the workers write, or whole huge pages. */
static size_t region_len(enum kind k)
{
	if (k == HUGE)
		return totals[HUGE] * HUGE_SIZE;
	if (k == THP)
		return ((totals[THP] * page) / HUGE_SIZE + 1) * HUGE_SIZE;
	return (totals[k] + 1) * page;
}

/* AnonHugePages of the VMA starting at start, from /proc/self/smaps. */
static long anon_huge_kb(const char *start)
{
	unsigned long from, to;
	char line[512];
	long kb = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &from, &to) == 2)
			in = from == (unsigned long)start;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static int setup_file(const char *path, long pages)
{
	size_t len = (size_t)pages * page;
	char *buf = calloc(1, len);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int ok = fd >= 0 && buf && write(fd, buf, len) == (ssize_t)len;

	free(buf);
	if (!ok) {
		perror(path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	regions[FILE_PRIV] = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	return regions[FILE_PRIV] == MAP_FAILED ? -1 : 0;
}

static int setup(const char *path)
{
	regions[ANON] = guarded(region_len(ANON), page);
	regions[ZERO] = guarded(region_len(ZERO), page);
	regions[THP] = guarded(region_len(THP), HUGE_SIZE);
	regions[HUGE] = totals[HUGE] ? mmap(NULL, region_len(HUGE), PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0) : NULL;
	if (!regions[ANON] || !regions[ZERO] || !regions[THP] || regions[HUGE] == MAP_FAILED) {
		fprintf(stderr, "groundtruth: mmap: %s\n", strerror(errno));
		return -1;
	}
	if (setup_file(path, totals[FILE_PRIV] + 1))
		return -1;
	madvise(regions[ANON], region_len(ANON), MADV_NOHUGEPAGE);
	madvise(regions[ZERO], region_len(ZERO), MADV_NOHUGEPAGE);
	madvise(regions[THP], region_len(THP), MADV_HUGEPAGE);
	gt_fill(ANON, region_len(ANON));
	gt_fill(THP, region_len(THP));
	gt_fill(HUGE, region_len(HUGE));
	return 0;
}

static void print_region(enum kind k, const char *name)
{
	size_t len = region_len(k);

	printf("{\"region\":\"%s\",\"start\":%lu,\"end\":%lu,\"name\":\"%s\",\"page_size\":%zu",
	       kind_names[k], (unsigned long)regions[k], (unsigned long)regions[k] + len, name, unit(k));
	if (k == THP)
		printf(",\"anon_huge_kb\":%ld", anon_huge_kb(regions[THP]));
	printf("}\n");
}

static void expect(pid_t pid, const char *region, const char *kind, long pages, const char *symbol)
{
	if (pages)
		printf("{\"expect\":{\"pid\":%d,\"region\":\"%s\",\"kind\":\"%s\",\"pages\":%ld,\"symbol\":\"%s\"}}\n",
		       (int)pid, region, kind, pages, symbol);
}

/* The huge pages a worker's THP writes fall in: each is split once. */
static long thp_splits(const struct job *j)
{
	long n = counts[THP][j->index];
	size_t per_huge = HUGE_SIZE / page;

	if (!n)
		return 0;
	return (long)((j->first[THP] + n - 1) / per_huge - j->first[THP] / per_huge) + 1;
}

static int parse_list(const char *arg, long *reuse)
{
	const char *eq = strchr(arg, '=');
	int k, n = 0;

	if (!eq)
		return -1;
	if (!strncmp(arg, "reuse=", 6)) {
		*reuse = strtol(eq + 1, NULL, 10);
		return 0;
	}
	for (k = 0; k < NKINDS; k++)
		if ((size_t)(eq - arg) == strlen(kind_names[k]) && !strncmp(arg, kind_names[k], eq - arg))
			break;
	if (k == NKINDS)
		return -1;
	for (const char *p = eq + 1; *p && n < MAX_WORKERS; n++) {
		char *end;

		counts[k][n] = strtol(p, &end, 10);
		if (end == p || counts[k][n] < 0 || counts[k][n] > 100000)
			return -1;
		totals[k] += counts[k][n];
		p = *end == ',' ? end + 1 : end;
	}
	if (nworkers >= 0 && n != nworkers)
		return -1;
	nworkers = n;
	return 0;
}

static void wait_for_file(const char *path)
{
	struct timespec ms = { 0, 1000000 };

	while (path && access(path, F_OK))
		nanosleep(&ms, NULL);
}

int main(int argc, char **argv)
{
	const char *go = NULL, *path = "/tmp/groundtruth.file";
	long reuse = 0, first[NKINDS] = { 0 };
	struct job jobs[MAX_WORKERS];
	pid_t pids[MAX_WORKERS];
	int hold[2], cpu = 0, failed = 0;
	cpu_set_t set;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--go") && i + 1 < argc)
			go = argv[++i];
		else if (!strcmp(argv[i], "--cpu") && i + 1 < argc)
			cpu = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--file") && i + 1 < argc)
			path = argv[++i];
		else if (parse_list(argv[i], &reuse))
			goto usage;
	}
	if (nworkers < 1 || reuse < 0 || reuse > totals[ANON] + 1)
		goto usage;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
	page = sysconf(_SC_PAGESIZE);
	if (setup(path) || pipe(hold))
		return 1;
	print_region(ANON, "[anon]");
	print_region(ZERO, "[anon]");
	print_region(FILE_PRIV, path);
	print_region(THP, "[anon]");
	if (totals[HUGE])
		print_region(HUGE, "/anon_hugepage (deleted)");
	printf("{\"parent\":%d}\n", (int)getpid());
	/*
	 * The first write to a private hugetlb page does the CoW at once, "without
	 * a second fault" (hugetlb_no_page() calls hugetlb_wp()), which finds the
	 * page its own: one reuse per huge page, from the fill above.
	 */
	expect(getpid(), "huge", "reuse", totals[HUGE], "gt_fill");
	fflush(stdout);

	for (int i = 0; i < nworkers; i++) {
		jobs[i].index = i;
		memcpy(jobs[i].first, first, sizeof(first));
		for (int k = 0; k < NKINDS; k++)
			first[k] += counts[k][i];
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (pids[i] == 0) {
			close(hold[1]);
			worker(&jobs[i], hold[0]);
		}
	}
	close(hold[0]);
	for (int i = 0; i < nworkers; i++) {
		printf("{\"worker\":%d,\"pid\":%d,\"thread\":%s}\n", i, (int)pids[i], i ? "false" : "true");
		for (int k = 0; k < NKINDS; k++)
			expect(pids[i], kind_names[k], kind_outcome[k], counts[k][i], kind_symbol[k]);
		expect(pids[i], "thp", "split", thp_splits(&jobs[i]), kind_symbol[THP]);
	}
	printf("{\"held\":true}\n");
	fflush(stdout);
	wait_for_file(go);
	close(hold[1]);
	for (int i = 0; i < nworkers; i++) {
		int status;

		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	}
	gt_reuse(reuse);
	expect(getpid(), "anon", "reuse", reuse, "gt_reuse");
	printf("{\"done\":%s}\n", failed ? "false" : "true");
	return failed;
usage:
	fprintf(stderr, "usage: groundtruth [--go FILE] [--cpu N] [--file PATH] anon=N,.. zero=N,.. file=N,.. thp=N,.. huge=N,.. reuse=N\n");
	return 2;
}
