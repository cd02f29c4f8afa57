/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call chains from a sample of a thread's user state: its registers and the
 * top of its user stack, copied at the moment of interest (by the module
 * at a write fault, for --stacks; by ptrace in the unit test). Unwound with
 * elfutils' libdwfl over the process's memory map snapshot: CFI from
 * .eh_frame or .debug_frame (separate debug files as for symbols), frame
 * pointers where a module has no CFI. Only the sample is read, never the
 * process (which may be gone): a frame whose return address lies past the
 * copied stack ends the chain.
 */
#ifndef COWWATCH_UNWIND_H
#define COWWATCH_UNWIND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "maps.h"

/* x86-64's DWARF registers 0-16: rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip. */
#define CW_UNWIND_REGS		17
#define CW_UNWIND_RSP		7
#define CW_UNWIND_RIP		16

struct unwind_sample {
	uint64_t regs[CW_UNWIND_REGS];	/* DWARF numbering */
	uint64_t stack_addr;		/* user address of stack[0] (the stack pointer) */
	const unsigned char *stack;
	size_t stack_len;
};

struct unwinder;

/* An unwinder for process @pid mapped as @m (copied); NULL if out of memory. */
struct unwinder *unwinder_new(pid_t pid, const struct maps *m);
void unwinder_free(struct unwinder *u);
/*
 * The call chain of @s, innermost first: pcs[0] is the sampled instruction,
 * each next one a return address. At most @max. Returns the count (at least
 * 1), or -errno.
 */
int unwinder_run(struct unwinder *u, const struct unwind_sample *s, uint64_t *pcs, int max);

#endif /* COWWATCH_UNWIND_H */
