// SPDX-License-Identifier: GPL-2.0
/*
 * thptruth: what write faults on transparent huge pages do, shared by a
 * parent and three workers, measured from the kernel's own page tables
 * (/proc/PID/pagemap, /proc/kpageflags, smaps AnonHugePages), not assumed.
 *
 *   thptruth      (reads one line on stdin, then forks the workers)
 *
 * The parent maps a THP region of 7 huge pages (2 MiB aligned,
 * MADV_HUGEPAGE, every page written: THP backed) and a region of 2 huge
 * pages that it only reads (the huge zero page). It notes the page frame of
 * every small page, then forks three workers, which inherit that table:
 *   worker w   writes small page w of huge page 0
 *   worker 0   writes all 512 small pages of huge page 1
 *   worker 1   writes small pages 0-99 of huge page 2, then asks
 *              MADV_COLLAPSE for huge page 2 (khugepaged's work, done now)
 *   worker 2   writes small page 5 of zero huge page 0
 * Once they are done (and before they exit), the parent writes small page
 * 0 of huge page 3. After reaping them it writes small page 7 of huge page
 * 4 and small page 3 of huge page 0, both mapped by nobody else now; then
 * small page 0 of huge page 5, clears its soft-dirty bits (clear_refs 4,
 * which write-protects every mapping), writes small page 1 of huge page 5
 * (its own, exclusive THP now), and writes small page 0 of zero huge page 1.
 * Huge page 6 is never written after the fork.
 *
 * After each write the writer looks at what the kernel did:
 *   split    its mapping of the huge page is no longer huge (the region's
 *            AnonHugePages in its smaps dropped by 2 MiB)
 *   copy     a small page whose frame is no longer the parent's
 *   reuse    still mapped huge, the same frame: made writable in place
 *   zero     the huge zero page replaced: by a new THP (2 MiB, frame with
 *            KPF_THP) or, after a split, by a new small page
 * and prints one line per finding:
 *   region thp|zero start=ADDR end=ADDR
 *   premise thp_huge=N zero_huge=N       (huge pages backed as meant)
 *   proc role=parent|workerW pid=PID
 *   expect pid=PID region=thp|zero outcome=O size=BYTES n=N
 *   collapse pid=PID rc=RC errno=E copied_by_collapse=N
 * The collapse copies, found by the frames, are made by no write fault.
 * Everything runs on CPU 0: a page held in another CPU's LRU batch has a
 * reference that would turn a reuse into a split.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define HUGE		(2UL << 20)
#define SMALL		4096UL
#define PER_HUGE	(HUGE / SMALL)
#define THP_HUGE	7
#define ZERO_HUGE	2
#define WORKERS		3

#define KPF_THP		22
#define KPF_ZERO_PAGE	24

static char *thp, *zero;
static uint64_t before[THP_HUGE * PER_HUGE];	/* the parent's frames, inherited */
static int kpageflags = -1;

/*
 * A 2 MiB aligned anonymous region of @n huge pages, MADV_HUGEPAGE, its own
 * VMA: a PROT_NONE page after it keeps the kernel from merging it with the
 * next region (smaps is read per VMA).
 */
static char *huge_region(int n)
{
	size_t len = n * HUGE, raw_len = len + 2 * HUGE;
	char *raw = mmap(NULL, raw_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *start, *guard;

	if (raw == MAP_FAILED)
		return NULL;
	start = (char *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	guard = start + len;
	if (start > raw)
		munmap(raw, start - raw);
	munmap(guard + SMALL, raw + raw_len - (guard + SMALL));
	if (mprotect(guard, SMALL, PROT_NONE) || madvise(start, len, MADV_HUGEPAGE))
		return NULL;
	return start;
}

/*
 * The frame backing @addr in this process (pagemap bits 0-54), 0 if none.
 * Opened each time: a descriptor opened before a fork would read the
 * parent's page tables.
 */
static uint64_t frame_of(const void *addr)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t e = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)addr / SMALL * sizeof(e))) != sizeof(e))
		e = 0;
	close(fd);
	return (e >> 63) & 1 ? e & ((1ULL << 55) - 1) : 0;
}

static uint64_t flags_of(uint64_t pfn)
{
	uint64_t f;

	if (!pfn || pread(kpageflags, &f, sizeof(f), (off_t)(pfn * sizeof(f))) != sizeof(f))
		return 0;
	return f;
}

/* AnonHugePages of the mapping holding @addr, in kB, from this process's smaps. */
static long anon_huge_kb(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	int in = 0;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static void expect(const char *region, const char *outcome, unsigned long size, long n)
{
	if (n)
		printf("expect pid=%d region=%s outcome=%s size=%lu n=%ld\n", (int)getpid(), region,
		       outcome, size, n);
}

/* Small pages of thp huge page @h, from @first for @n, whose frame is not the parent's. */
static long moved(int h, long first, long n)
{
	long c = 0;

	for (long i = first; i < first + n; i++)
		c += frame_of(thp + h * HUGE + i * SMALL) != before[h * PER_HUGE + i];
	return c;
}

static void touch(char *p)
{
	*(volatile char *)p += 1;
}

/*
 * Writes small pages @first..@first+@n-1 of thp huge page @h and reports
 * what the kernel made of it: split or reuse of the huge page, copies.
 */
static void write_thp(int h, long first, long n)
{
	char *hp = thp + h * HUGE;
	long huge_before = anon_huge_kb(thp), copies;
	uint64_t f0 = frame_of(hp + first * SMALL);

	for (long i = first; i < first + n; i++)
		touch(hp + i * SMALL);
	copies = moved(h, first, n);
	if (anon_huge_kb(thp) == huge_before - (long)(HUGE / 1024)) {
		expect("thp", "split", HUGE, 1);
		expect("thp", "copy", SMALL, copies);
	} else if (anon_huge_kb(thp) == huge_before && frame_of(hp + first * SMALL) == f0 && !copies) {
		expect("thp", "reuse", HUGE, 1);
	} else {
		printf("unexpected h=%d huge_kb %ld -> %ld copies=%ld\n", h, huge_before,
		       anon_huge_kb(thp), copies);
	}
}

static int has(uint64_t flags, int bit)
{
	return (flags >> bit) & 1;
}

/*
 * Writes small page @i of zero huge page @h: a new THP takes the huge zero
 * page's place (the written page and its neighbour are one new THP), or the
 * mapping was split (the written page is a new small page, its neighbour
 * the small zero page). smaps AnonHugePages does not count the huge zero
 * page, so the page flags tell.
 */
static void write_zero(int h, long i)
{
	char *p = zero + h * HUGE + i * SMALL;
	uint64_t pfn, next_pfn, f, next;

	touch(p);
	pfn = frame_of(p);
	next_pfn = frame_of(p + SMALL);
	f = flags_of(pfn);
	next = flags_of(next_pfn);
	if (has(f, KPF_THP) && !has(f, KPF_ZERO_PAGE) && next_pfn == pfn + 1) {
		expect("zero", "zero", HUGE, 1);
	} else if (!has(f, KPF_THP) && !has(f, KPF_ZERO_PAGE) && has(next, KPF_ZERO_PAGE) &&
		   !has(next, KPF_THP)) {
		expect("zero", "split", HUGE, 1);
		expect("zero", "zero", SMALL, 1);
	} else {
		printf("unexpected zero h=%d flags=%#llx next=%#llx\n", h, (unsigned long long)f,
		       (unsigned long long)next);
	}
}

static void collapse(int h)
{
	int rc = madvise(thp + h * HUGE, HUGE, MADV_COLLAPSE);
	int err = rc ? errno : 0;

	printf("collapse pid=%d rc=%d errno=%d copied_by_collapse=%ld\n", (int)getpid(), rc, err,
	       moved(h, 100, PER_HUGE - 100));
}

/* Until @quit's write end is closed (by the parent, the workers closed theirs). */
static void worker(int w, int done, int quit)
{
	char c;

	printf("proc role=worker%d pid=%d\n", w, (int)getpid());
	write_thp(0, w, 1);
	if (w == 0)
		write_thp(1, 0, PER_HUGE);
	if (w == 1) {
		write_thp(2, 0, 100);
		collapse(2);
	}
	if (w == 2)
		write_zero(0, 5);
	fflush(stdout);
	if (write(done, "d", 1) != 1 || read(quit, &c, 1) < 0)
		_exit(1);
	_exit(0);
}

static int clear_soft_dirty(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	int ok = fd >= 0 && write(fd, "4", 1) == 1;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static int premise(void)
{
	int huge = 0, zeros = 0;

	for (int h = 0; h < THP_HUGE; h++) {
		uint64_t f0 = frame_of(thp + h * HUGE);
		int whole = has(flags_of(f0), KPF_THP);

		for (unsigned long i = 0; i < PER_HUGE; i++) {
			before[h * PER_HUGE + i] = frame_of(thp + h * HUGE + i * SMALL);
			whole &= before[h * PER_HUGE + i] == f0 + i;
		}
		huge += whole;
	}
	for (int h = 0; h < ZERO_HUGE; h++) {
		uint64_t f = flags_of(frame_of(zero + h * HUGE));

		zeros += has(f, KPF_THP) && has(f, KPF_ZERO_PAGE);
	}
	printf("premise thp_huge=%d zero_huge=%d thp_kb=%ld zero_kb=%ld\n", huge, zeros,
	       anon_huge_kb(thp), anon_huge_kb(zero));
	return huge == THP_HUGE && zeros == ZERO_HUGE ? 0 : -1;
}

int main(void)
{
	int done[2], quit[2], failed = 0;
	pid_t pids[WORKERS];
	cpu_set_t set;
	char line[16], c;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
	setvbuf(stdout, NULL, _IOLBF, 0);
	kpageflags = open("/proc/kpageflags", O_RDONLY);
	thp = huge_region(THP_HUGE);
	zero = huge_region(ZERO_HUGE);
	if (kpageflags < 0 || !thp || !zero || pipe(done) || pipe(quit)) {
		perror("thptruth: setup");
		return 1;
	}
	memset(thp, 1, THP_HUGE * HUGE);
	for (int h = 0; h < ZERO_HUGE; h++)
		(void)*(volatile char *)(zero + h * HUGE);
	printf("region thp start=%#lx end=%#lx\n", (unsigned long)thp, (unsigned long)thp + THP_HUGE * HUGE);
	printf("region zero start=%#lx end=%#lx\n", (unsigned long)zero, (unsigned long)zero + ZERO_HUGE * HUGE);
	if (premise())
		return 1;
	printf("proc role=parent pid=%d\n", (int)getpid());
	printf("ready\n");
	if (!fgets(line, sizeof(line), stdin))
		return 1;

	for (int w = 0; w < WORKERS; w++) {
		pids[w] = fork();
		if (pids[w] < 0)
			return 1;
		if (pids[w] == 0) {
			close(quit[1]);
			worker(w, done[1], quit[0]);
		}
		/* One at a time: each worker's findings are its own. */
		if (read(done[0], &c, 1) != 1)
			return 1;
	}
	write_thp(3, 0, 1);		/* shared with three workers: split */
	close(quit[1]);
	for (int w = 0; w < WORKERS; w++) {
		int status;

		if (waitpid(pids[w], &status, 0) != pids[w] || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	}
	write_thp(4, 7, 1);		/* nobody else maps it now: reuse */
	write_thp(0, 3, 1);		/* the workers' splits and copies are gone: reuse */
	write_thp(5, 0, 1);		/* reuse, then exclusive... */
	if (clear_soft_dirty()) {
		perror("thptruth: clear_refs");
		failed = 1;
	}
	write_thp(5, 1, 1);		/* ...and write-protected again: reuse */
	write_zero(1, 0);
	printf("done %s\n", failed ? "failed" : "ok");
	return failed;
}
