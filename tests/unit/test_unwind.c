// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/unwind.c on the host: a target (unwind_target.c,
 * built with CFI and no frame pointers, and with frame pointers and no CFI)
 * stops itself three calls below main; its registers (ptrace) and the top
 * of its stack (/proc/PID/mem) are the sample, as the module would copy
 * them. The chain, symbolized (user/symbols.c), must hold cw_leaf,
 * cw_middle, cw_outer and main in that order; again once the target is
 * gone (only the sample and the files are read); a sample cut to 64 bytes
 * gives a shorter chain, not a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maps.h"
#include "symbols.h"
#include "unwind.h"
#include "unit.h"

#define STACK_BYTES 16384
#define MAX_FRAMES 32

struct stopped {
	pid_t pid;
	struct unwind_sample sample;
	unsigned char stack[STACK_BYTES];
	struct maps maps;
};

/* Starts @path traced; returns its pid once it stopped itself, or -1. */
static pid_t start_stopped(const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return -1;
	/* The exec's SIGTRAP; then the target's own SIGSTOP. */
	if (ptrace(PTRACE_CONT, pid, NULL, NULL) || waitpid(pid, &status, 0) != pid ||
	    !WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP)
		return -1;
	return pid;
}

static int take_sample(struct stopped *s)
{
	struct user_regs_struct r;
	char path[64];
	ssize_t n;
	int fd;

	if (ptrace(PTRACE_GETREGS, s->pid, NULL, &r))
		return -errno;
	const uint64_t regs[CW_UNWIND_REGS] = {
		r.rax, r.rdx, r.rcx, r.rbx, r.rsi, r.rdi, r.rbp, r.rsp,
		r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip,
	};
	memcpy(s->sample.regs, regs, sizeof(regs));
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)s->pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	/* As much as the stack holds above the stack pointer, up to STACK_BYTES. */
	n = 0;
	while (n < STACK_BYTES) {
		ssize_t got = pread(fd, s->stack + n, 4096 - ((r.rsp + n) & 4095), (off_t)(r.rsp + n));

		if (got <= 0)
			break;
		n += got;
	}
	close(fd);
	s->sample.stack_addr = r.rsp;
	s->sample.stack = s->stack;
	s->sample.stack_len = (size_t)n;
	return maps_read_pid(s->pid, &s->maps);
}

/* The chain's function names, " "-separated, from the sample. */
static int chain(struct stopped *s, size_t stack_len, char *names, size_t len)
{
	struct unwind_sample sample = s->sample;
	struct unwinder *u = unwinder_new(s->pid, &s->maps);
	struct symbolizer *sym = symbolizer_new();
	uint64_t pcs[MAX_FRAMES] = { 0 };
	int n = -ENOMEM;

	names[0] = 0;
	sample.stack_len = stack_len < sample.stack_len ? stack_len : sample.stack_len;
	if (u && sym)
		n = unwinder_run(u, &sample, pcs, MAX_FRAMES);
	for (int i = 0; i < n; i++) {
		/* A return address points after its call: name the call. */
		uint64_t pc = i ? pcs[i] - 1 : pcs[i];
		const struct map_entry *e = maps_find(&s->maps, pc);
		struct sym_result r;
		size_t at = strlen(names);

		if (e && symbolizer_lookup(sym, e, pc, &r) == 0 && r.symbol)
			snprintf(names + at, len - at, "%s ", r.symbol);
		else
			snprintf(names + at, len - at, "? ");
	}
	unwinder_free(u);
	symbolizer_free(sym);
	return n;
}

/* Do @want's words appear in @names in this order? */
static int in_order(const char *names, const char *const *want)
{
	const char *at = names;

	for (; *want; want++) {
		char word[64];
		const char *hit;

		snprintf(word, sizeof(word), "%s ", *want);
		hit = strstr(at, word);
		if (!hit || (hit != names && hit[-1] != ' '))
			return 0;
		at = hit + strlen(word);
	}
	return 1;
}

static void test_target(const char *path, const char *what)
{
	static const char *const want[] = { "cw_leaf", "cw_middle", "cw_outer", "main", NULL };
	static struct stopped s;
	char names[2048], after[2048], cut[2048];
	int n, n_after, n_cut;

	memset(&s, 0, sizeof(s));
	s.pid = start_stopped(path);
	report(s.pid > 0, "%s: target stopped itself", what);
	if (s.pid <= 0)
		return;
	report(take_sample(&s) == 0 && s.sample.stack_len >= 512,
	      "%s: sample of %zu stack bytes and a map of %zu entries", what, s.sample.stack_len,
	      s.maps.count);
	n = chain(&s, STACK_BYTES, names, sizeof(names));
	report(n >= 4 && in_order(names, want), "%s: chain of %d: %s", what, n, names);
	kill(s.pid, SIGKILL);
	waitpid(s.pid, NULL, 0);
	n_after = chain(&s, STACK_BYTES, after, sizeof(after));
	report(n_after == n && !strcmp(after, names), "%s: the same chain once the target is gone: %s",
	      what, after);
	n_cut = chain(&s, 64, cut, sizeof(cut));
	report(n_cut >= 1 && n_cut < n, "%s: a 64-byte sample gives a shorter chain (%d): %s", what,
	      n_cut, cut);
	maps_free(&s.maps);
}

int main(void)
{
	test_target("./unwind_target_cfi", "CFI, no frame pointers");
	test_target("./unwind_target_fp", "frame pointers, no CFI of its own");
	return unit_done();
}
