/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the reader knows of one fault and of one exited process, decoded
 * from the module's netlink messages (proto.c) and aggregated by procs.c.
 */
#ifndef COWWATCH_EVENT_H
#define COWWATCH_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "uapi/cowwatch.h"

#define CW_COMM_LEN 16

struct cw_event {
	pid_t pid;		/* process id in the reader's namespace */
	uint32_t tgid, tid;	/* initial namespace */
	char comm[CW_COMM_LEN];
	uint64_t addr;		/* page-aligned faulting address */
	uint64_t ip;		/* user instruction pointer; 0: unknown/remote */
	uint32_t outcome;	/* enum cowwatch_outcome */
	uint32_t page_size;
	uint64_t time_ns;
	uint32_t cpu;
	uint64_t vm_start, vm_end, vm_flags;
	uint32_t dev;		/* kernel's new_encode_dev() */
	uint64_t ino;		/* 0: anonymous */
	uint32_t flags;		/* COWWATCH_EVF_* (the file's path: procs_file()) */
	/*
	 * Faults this stands for: 1 for an event; for a count record
	 * (COWWATCH_CMD_COUNTS) its count, the first at first_ns and the
	 * last at time_ns, addr is vm_start, and tid, comm and cpu are 0.
	 */
	uint64_t count;
	uint64_t first_ns;
	/*
	 * --stacks: the writing thread's registers and top of stack at the
	 * fault (COWWATCH_A_STACK), or NULL. Both point into the message
	 * being decoded: valid during the handler's call only.
	 */
	const struct cowwatch_stack *stack;
	const unsigned char *stack_data;	/* stack->len bytes from regs[7] */
};

struct cw_exit {
	pid_t pid;
	uint32_t tgid;
	uint64_t time_ns;	/* when its last thread exited; 0: not known */
	char comm[CW_COMM_LEN];	/* its main thread's name then; "": not known */
	uint64_t counts[__COWWATCH_OUT_MAX];	/* exact, from the kernel */
};

/* A FORK (pid forked by ppid) or an EXEC (pid ran comm) notice. */
struct cw_notice {
	pid_t pid;
	pid_t ppid;		/* FORK only */
	uint64_t time_ns;	/* 0: not known */
	char comm[CW_COMM_LEN];	/* the child's name (FORK), the program's (EXEC) */
};

/* Outcome names as in the JSON output; NULL for unknown values. */
const char *cw_outcome_name(uint32_t outcome);
/* Did this outcome make a new page (break sharing)? */
bool cw_outcome_copies(uint32_t outcome);

#endif /* COWWATCH_EVENT_H */
