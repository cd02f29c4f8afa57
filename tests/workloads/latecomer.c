// SPDX-License-Identifier: GPL-2.0
/*
 * latecomer: a program whose reader comes late. Run as
 *   cowwatch --json --events -- latecomer ACCOUNT DATAFILE [HUGE]
 * it stops its reader (its parent, cowwatch) first, so that everything
 * below happens, and is gone, before the reader reads a single message or
 * memory map:
 *  - maps DATAFILE (created here, in /tmp: tmpfs) MAP_PRIVATE after its
 *    exec, reads every page;
 *  - with HUGE, maps one anonymous MAP_HUGETLB page and writes it;
 *  - forks 3 workers: worker i reads and writes i + 2 pages of the file
 *    (file copies) and, with HUGE, the huge page (a 2 MiB copy), prints one line
 *    on stdout ("latecomer worker I wrote N pages") and exits;
 *  - a second thread, named bio_lazy_free, writes 4 pages of an anonymous
 *    region the parent filled before the first fork;
 *  - unmaps the file and the huge page, unlinks the file;
 *  - checks that the reader is still stopped, lets it go and exits.
 * ACCOUNT gets what it did as JSON (the reader shares stdout).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define FILE_PAGES	16
#define WORKERS		3
#define THREAD_PAGES	4
#define HUGE_SZ		(2UL << 20)

static long page;
static char *anon;

static void die(const char *what)
{
	fprintf(stderr, "latecomer: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The state letter of /proc/PID/stat: 'T' while stopped. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *paren;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' ? paren[2] : '?';
}

/* Until the stopped reader is seen stopped (SIGSTOP is not instant). */
static int wait_stopped(pid_t pid)
{
	for (int i = 0; i < 2000; i++) {
		if (proc_state(pid) == 'T')
			return 1;
		usleep(1000);
	}
	return 0;
}

static void *thread_writes(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "bio_lazy_free");
	for (int i = 0; i < THREAD_PAGES; i++)
		anon[i * page] = 2;
	return NULL;
}

static char *map_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	char *m, *fill;

	if (fd < 0)
		die("open");
	fill = calloc(FILE_PAGES, page);
	if (!fill)
		die("calloc");
	memset(fill, 'x', FILE_PAGES * page);
	if (write(fd, fill, FILE_PAGES * page) != FILE_PAGES * page)
		die("write");
	free(fill);
	m = mmap(NULL, FILE_PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		die("mmap file");
	return m;
}

int main(int argc, char **argv)
{
	pid_t reader = getppid(), kids[WORKERS];
	volatile char sink = 0;
	char *file, *huge = NULL;
	pthread_t t;
	FILE *acct;
	int stopped, still;

	if (argc < 3) {
		fprintf(stderr, "usage: latecomer ACCOUNT DATAFILE [HUGE]\n");
		return 2;
	}
	page = sysconf(_SC_PAGESIZE);
	acct = fopen(argv[1], "we");
	if (!acct)
		die("account");
	if (kill(reader, SIGSTOP))
		die("stop the reader");
	stopped = wait_stopped(reader);

	file = map_file(argv[2]);
	for (int i = 0; i < FILE_PAGES; i++)
		sink += file[i * page];
	if (argc > 3) {
		huge = mmap(NULL, HUGE_SZ, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (huge == MAP_FAILED)
			die("mmap hugetlb");
		huge[0] = 1;
	}
	anon = mmap(NULL, THREAD_PAGES * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		die("mmap anon");
	memset(anon, 1, THREAD_PAGES * page);

	fflush(NULL);
	for (int w = 0; w < WORKERS; w++) {
		kids[w] = fork();
		if (kids[w] < 0)
			die("fork");
		if (kids[w] == 0) {
			/*
			 * Read, then write: fork copied no page table of the
			 * file (it has no anonymous pages), and a first write
			 * to an unmapped page is a fault cowwatch cannot see.
			 */
			for (int i = 0; i < w + 2; i++) {
				sink += file[i * page];
				file[i * page] = 'w';
			}
			if (huge)
				huge[page] = 2;
			printf("latecomer worker %d wrote %d pages\n", w, w + 2);
			fflush(stdout);
			_exit(0);
		}
	}
	/* The parent's thread writes while the workers still share the pages. */
	if (pthread_create(&t, NULL, thread_writes, NULL) || pthread_join(t, NULL))
		die("thread");
	for (int w = 0; w < WORKERS; w++)
		waitpid(kids[w], NULL, 0);
	munmap(file, FILE_PAGES * page);
	if (huge)
		munmap(huge, HUGE_SZ);
	unlink(argv[2]);
	still = proc_state(reader) == 'T';

	fprintf(acct, "{\"pid\":%d,\"reader\":%d,\"stopped\":%s,\"still_stopped\":%s,"
		"\"file\":\"%s\",\"huge\":%s,\"workers\":[",
		(int)getpid(), (int)reader, stopped ? "true" : "false", still ? "true" : "false",
		argv[2], huge ? "true" : "false");
	for (int w = 0; w < WORKERS; w++)
		fprintf(acct, "%s{\"pid\":%d,\"file_pages\":%d}", w ? "," : "", (int)kids[w], w + 2);
	fprintf(acct, "],\"thread_pages\":%d,\"done\":true}\n", THREAD_PAGES);
	fclose(acct);
	kill(reader, SIGCONT);
	return sink == 42;
}
