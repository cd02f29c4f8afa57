// SPDX-License-Identifier: GPL-2.0
/*
 * stackchain A B: call chains of known shape for --stacks. Fills A + B
 * private anonymous pages, forks, and the child copies them: A pages
 * through main -> chain_outer -> chain_middle -> chain_leaf, then B pages
 * through main -> chain_outer -> chain_other -> chain_leaf. chain_leaf
 * itself stores to each page (no libc call on top of it). None of the four
 * is inlined or tail-called. Built twice (Makefile): with CFI and no frame
 * pointers, and with frame pointers and no CFI of its own. chain_leaf calls
 * chain_tick first, so that it is no leaf: GCC keeps no frame in a leaf
 * function even with -fno-omit-frame-pointer, and a frame-pointer walk
 * from inside such a function skips its caller (as perf's does).
 * Prints "region=0xADDR pages=N" and "done".
 *
 * stackchain --go FILE --linger FILE2 A B: prints "ready pid=P" once the
 * pages are filled and waits for FILE before it forks; after "done" it
 * waits for FILE2 before it exits. A reader attached meanwhile reads the
 * process's whole memory map (libc mapped) at its attach, and the process
 * is still there while the reader names its code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEEP() __asm__ volatile("" ::: "memory")

__attribute__((noinline)) void chain_tick(void);
__attribute__((noinline)) void chain_leaf(volatile char *p, long pages, long pg);
__attribute__((noinline)) void chain_middle(volatile char *p, long pages, long pg);
__attribute__((noinline)) void chain_other(volatile char *p, long pages, long pg);
__attribute__((noinline)) void chain_outer(volatile char *p, long a, long b, long pg);

void chain_tick(void)
{
	KEEP();
}

void chain_leaf(volatile char *p, long pages, long pg)
{
	chain_tick();
	for (long i = 0; i < pages; i++)
		p[i * pg] = (char)(i + 1);
	KEEP();
}

void chain_middle(volatile char *p, long pages, long pg)
{
	chain_leaf(p, pages, pg);
	KEEP();
}

void chain_other(volatile char *p, long pages, long pg)
{
	chain_leaf(p, pages, pg);
	KEEP();
}

void chain_outer(volatile char *p, long a, long b, long pg)
{
	chain_middle(p, a, pg);
	KEEP();
	chain_other(p + a * pg, b, pg);
	KEEP();
}

/* Until @path exists (a test's word), if one was given. */
static void wait_file(const char *path)
{
	while (path && access(path, F_OK))
		usleep(10000);
}

int main(int argc, char **argv)
{
	long pg = sysconf(_SC_PAGESIZE), a, b;
	const char *go = NULL, *linger = NULL;
	volatile char *p;
	pid_t child;
	int status;

	if (argc == 7 && !strcmp(argv[1], "--go") && !strcmp(argv[3], "--linger")) {
		go = argv[2];
		linger = argv[4];
		argv += 4;
		argc -= 4;
	}
	if (argc != 3 || (a = atol(argv[1])) < 0 || (b = atol(argv[2])) < 0 || a + b == 0) {
		fprintf(stderr, "usage: stackchain [--go FILE --linger FILE] A B\n");
		return 2;
	}
	p = mmap(NULL, (size_t)((a + b) * pg), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (long i = 0; i < a + b; i++)
		p[i * pg] = 1;
	printf("region=%p pages=%ld\n", (void *)p, a + b);
	if (go)
		printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	wait_file(go);
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (!child) {
		chain_outer(p, a, b, pg);
		KEEP();
		_exit(0);
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "stackchain: the child failed\n");
		return 1;
	}
	printf("done\n");
	fflush(stdout);
	wait_file(linger);
	return 0;
}
