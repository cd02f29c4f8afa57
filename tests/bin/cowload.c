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
 *   loop N      fork-and-write N pages, over and over, until killed;
 *               SIGUSR1 holds it between two rounds (prints "held"),
 *               SIGUSR2 lets it go on
 *   ksm N       fill N pages alike, MADV_MERGEABLE, wait (up to 60 s)
 *               until KSM merged all N (ksmd must run), then write
 *               each page (N ksm)
 *   threads N   as anon, but the child writes from two threads (pages
 *               alternating), each printing "tid=T"
 *   prefork N   populate N pages and fork, before the start line, a child
 *               that waits for its parent's word after it, then writes
 *               each page (N copies); its own child (forked before the
 *               start line too) only sleeps until killed
 *   huge N      as anon, with N 2 MiB hugetlb pages (the region is N*512
 *               small pages long); needs free huge pages
 *   remote N    populate N pages and fork a child that only sleeps, so
 *               the pages are shared, before the start line; after it,
 *               kill and reap the child (for writes through
 *               /proc/PID/mem by another process meanwhile)
 *   uffdpark 1  write-protect a populated page with userfaultfd, write it
 *               from a second thread: that thread sleeps inside
 *               do_wp_page() (handle_userfault) until the file
 *               /tmp/cowload.unpark appears; prints "parked" meanwhile
 *   execas UID PROG [ARG...]  become UID as idleas does, print pid=,
 *               wait for the start line, then exec PROG
 *   idleas UID  become UID (gid too), stay dumpable, print pid= and
 *               sleep until killed (no start line wait)
 *   hugezero N  N 2 MiB-aligned huge pages, MADV_HUGEPAGE, each read once
 *               (the huge zero page is mapped: prints "hugezero=K", the
 *               huge pages that map it, from /proc/self/pagemap and
 *               /proc/kpageflags), then after the start line written
 *               once each; prints "thp=K", those now backed by a new
 *               anonymous THP (the rest were split into 4 KiB pages)
 * THP is off for the region but in hugezero, so every other fault is a
 * 4 KiB one.
 */
#include <fcntl.h>
#include <grp.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static long pg;
static volatile sig_atomic_t hold;

static void on_usr(int sig)
{
	hold = sig == SIGUSR1;
}

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

static void wait_merged(long n)
{
	for (int i = 0; i < 6000; i++) {
		FILE *f = fopen("/proc/self/ksm_merging_pages", "r");
		long merged = -1;

		if (!f)
			die("ksm_merging_pages");
		if (fscanf(f, "%ld", &merged) != 1)
			die("ksm_merging_pages");
		fclose(f);
		if (merged >= n)
			return;
		usleep(10000);
	}
	fprintf(stderr, "cowload: KSM did not merge %ld pages\n", n);
	exit(1);
}

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h). */
#define KPF_ANON	12
#define KPF_THP		22
#define KPF_ZERO_PAGE	24

/* The kpageflags of the page mapped at p, 0 if none. */
static unsigned long long page_flags(const char *p)
{
	unsigned long long ent = 0, flags = 0;
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kf = open("/proc/kpageflags", O_RDONLY);

	if (pm < 0 || kf < 0)
		die("pagemap/kpageflags");
	if (pread(pm, &ent, sizeof(ent), (unsigned long)p / 4096 * sizeof(ent)) != sizeof(ent))
		die("pagemap");
	if ((ent >> 63) & 1) {
		unsigned long long pfn = ent & ((1ULL << 55) - 1);

		if (pread(kf, &flags, sizeof(flags), pfn * sizeof(flags)) != sizeof(flags))
			die("kpageflags");
	}
	close(pm);
	close(kf);
	return flags;
}

/* How many of the n huge pages at p have all of set and none of clear. */
static long count_huge(const char *p, long n, unsigned long long set, unsigned long long clear)
{
	long k = 0;

	for (long i = 0; i < n; i++) {
		unsigned long long f = page_flags(p + i * pg);

		k += (f & set) == set && !(f & clear);
	}
	return k;
}

struct half {
	char *p;
	long n, first;
};

static void *write_half(void *arg)
{
	struct half *h = arg;

	printf("tid=%d\n", (int)gettid());
	fflush(stdout);
	for (long i = h->first; i < h->n; i += 2)
		((volatile char *)h->p)[i * pg] = 11;
	return NULL;
}

static void *writer(void *arg)
{
	*(volatile char *)arg = 9;
	return NULL;
}

static void uffd_park(char *p)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)p, .len = pg },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = { .start = (unsigned long)p, .len = pg },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	struct uffd_msg msg;
	struct pollfd pfd;
	pthread_t t;
	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (uffd < 0)
		die("userfaultfd");
	if (ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg) ||
	    ioctl(uffd, UFFDIO_WRITEPROTECT, &wp))
		die("uffd setup");
	if (pthread_create(&t, NULL, writer, p))
		die("pthread_create");
	pfd.fd = uffd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, -1) != 1 || read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		die("uffd event");
	if (msg.event != UFFD_EVENT_PAGEFAULT ||
	    !(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP))
		die("not a write-protect fault");
	printf("parked\n");
	fflush(stdout);
	while (access("/tmp/cowload.unpark", F_OK))
		usleep(10000);
	wp.mode = 0;	/* resolve: unprotect and wake the writer */
	if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp))
		die("uffd unprotect");
	pthread_join(t, NULL);
	close(uffd);
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
	if (!strcmp(mode, "idleas") || !strcmp(mode, "execas")) {
		/* Changing uid makes a process undumpable: undo that. */
		if (setgroups(0, NULL) || setgid(n) || setuid(n) ||
		    prctl(PR_SET_DUMPABLE, 1))
			die(mode);
		printf("pid=%d\n", (int)getpid());
		fflush(stdout);
		if (!strcmp(mode, "execas") && argc > 3) {
			if (read(0, &c, 1) < 0)
				die("read");
			execv(argv[3], argv + 3);
			die(argv[3]);
		}
		for (;;)
			pause();
	}
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		die("sched_setaffinity");

	if (!strcmp(mode, "file") || !strcmp(mode, "filecold")) {
		if (argc < 4)
			return 2;
		p = map_file(argv[3], n, 1);
	} else if (!strcmp(mode, "huge")) {
		pg = 2L << 20;	/* write_all() strides: one write per huge page */
		p = mmap(NULL, n * pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (p == MAP_FAILED)
			die("mmap hugetlb");
	} else if (!strcmp(mode, "hugezero")) {
		pg = 2L << 20;
		p = mmap(NULL, (n + 1) * pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		p = (char *)(((unsigned long)p + pg - 1) & ~(pg - 1));
		if (madvise(p, n * pg, MADV_HUGEPAGE))
			die("MADV_HUGEPAGE");
		read_all(p, n);
		printf("hugezero=%ld\n", count_huge(p, n, 1ULL << KPF_ZERO_PAGE | 1ULL << KPF_THP, 0));
	} else {
		p = anon(n);
	}
	if (!strcmp(mode, "anon") || !strcmp(mode, "reuse") || !strcmp(mode, "loop") ||
	    !strcmp(mode, "threads") || !strcmp(mode, "prefork") || !strcmp(mode, "huge") ||
	    !strcmp(mode, "uffdpark") || !strcmp(mode, "remote"))
		write_all(p, n, 1);
	child = 0;
	int word[2];

	if (!strcmp(mode, "prefork")) {
		if (pipe(word))
			die("pipe");
		child = fork_child();
		if (!child) {
			pid_t grandchild = fork();

			if (grandchild < 0)
				die("fork");
			if (!grandchild)
				for (;;)
					pause();
			printf("grandchild=%d\n", (int)grandchild);
			fflush(stdout);
			close(word[1]);
			if (read(word[0], &c, 1) != 1)
				die("word");
			write_all(p, n, 12);
			kill(grandchild, SIGKILL);
			waitpid(grandchild, NULL, 0);
			_exit(0);
		}
		close(word[0]);
	}
	if (!strcmp(mode, "remote")) {
		child = fork_child();
		if (!child)
			for (;;)
				pause();
	}
	else if (!strcmp(mode, "zero") || !strcmp(mode, "file"))
		read_all(p, n);
	if (!strcmp(mode, "ksm")) {
		for (long i = 0; i < n; i++)
			memset(p + i * pg, 'k', pg);
		if (madvise(p, n * pg, MADV_MERGEABLE))
			die("MADV_MERGEABLE");
		wait_merged(n);
	}
	printf("pid=%d\nregion=%p\n", (int)getpid(), (void *)p);
	fflush(stdout);
	if (read(0, &c, 1) < 0)
		die("read");

	if (!strcmp(mode, "anon") || !strcmp(mode, "huge")) {
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
	} else if (!strcmp(mode, "threads")) {
		child = fork_child();
		if (!child) {
			struct half h[2] = { { p, n, 0 }, { p, n, 1 } };
			pthread_t t[2];

			for (int i = 0; i < 2; i++)
				if (pthread_create(&t[i], NULL, write_half, &h[i]))
					die("pthread_create");
			for (int i = 0; i < 2; i++)
				pthread_join(t[i], NULL);
			_exit(0);
		}
		reap(child);
	} else if (!strcmp(mode, "prefork")) {
		if (write(word[1], "w", 1) != 1)
			die("word");
		close(word[1]);
		reap(child);
	} else if (!strcmp(mode, "remote")) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	} else if (!strcmp(mode, "ksm")) {
		write_all(p, n, 10);
	} else if (!strcmp(mode, "hugezero")) {
		write_all(p, n, 13);
		printf("thp=%ld\n", count_huge(p, n, 1ULL << KPF_THP | 1ULL << KPF_ANON,
						 1ULL << KPF_ZERO_PAGE));
	} else if (!strcmp(mode, "uffdpark")) {
		uffd_park(p);
	} else if (!strcmp(mode, "loop")) {
		signal(SIGUSR1, on_usr);
		signal(SIGUSR2, on_usr);
		for (;;) {
			if (hold) {
				printf("held\n");
				fflush(stdout);
				while (hold)
					usleep(1000);
			}
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
