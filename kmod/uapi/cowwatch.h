/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cowwatch: the protocol between the kernel module and its readers.
 *
 * This one header is included by the module (kmod/) and by the reader
 * (user/), so the two cannot disagree on a command or attribute number.
 * Any change to the wire format bumps COWWATCH_GENL_VERSION; readers refuse
 * to talk to a module of another protocol version.
 *
 * Requests (reader to module):
 *   COWWATCH_CMD_WATCH      COWWATCH_A_PID: watch that process and, from
 *                           now on, every process it forks. Needs
 *                           CAP_SYS_ADMIN or the target's credentials.
 *                           -ESRCH: no such process; -EPERM: not allowed;
 *                           -EINVAL: a kernel thread (no user memory).
 *                           COWWATCH_A_WATCH_FLAGS (optional):
 *                           COWWATCH_WATCH_DESCENDANTS also watches the
 *                           process's existing descendants (those the
 *                           caller may watch and sees in its pid
 *                           namespace), looking again until a look finds
 *                           none new: a process forked by one before it
 *                           was watched is found by the next look. Before
 *                           the ACK, a WATCH reply lists the processes
 *                           this request watched anew: COWWATCH_A_FOUND,
 *                           struct cowwatch_found[] (protocol 7), at most
 *                           COWWATCH_FOUND_MAX, and COWWATCH_A_MORE if
 *                           the reader should ask again for the rest.
 *                           COWWATCH_WATCH_FROM_EXEC counts a process that
 *                           nobody watched yet from its next exec on: its
 *                           faults before that are neither counted nor
 *                           sent (a reader's own child, held before it
 *                           execs the command to watch).
 *                           COWWATCH_WATCH_EVENTS: this reader wants
 *                           every fault as an event (COWWATCH_CMD_EVENTS).
 *                           Without it the reader gets counts
 *                           (COWWATCH_CMD_COUNTS), which cost a fault far
 *                           less. COWWATCH_WATCH_STACKS (with EVENTS
 *                           only, else -EINVAL): each copying event (copy,
 *                           zero, file, ksm) comes with a sample of the
 *                           writing thread's user state, for the reader to
 *                           unwind (COWWATCH_A_STACK). A reader's first
 *                           WATCH decides both; a later one asking the
 *                           other way gets -EINVAL.
 *   COWWATCH_CMD_UNWATCH    COWWATCH_A_PID: stop watching it (children
 *                           already followed stay watched).
 *   COWWATCH_CMD_GET_STATS  replies with the COWWATCH_A_STAT_* attributes.
 * Notifications (module to the reader's port, unicast):
 *   COWWATCH_CMD_EVENTS     COWWATCH_A_SEQ, COWWATCH_A_LOST, and in order
 *                           COWWATCH_A_FILE nests and COWWATCH_A_EVENTS
 *                           attributes: each COWWATCH_A_EVENTS is a packed
 *                           array of struct cowwatch_event, one per fault,
 *                           its length a multiple of the record's size. A
 *                           COWWATCH_A_FILE (COWWATCH_EV_DEV, COWWATCH_EV_INO,
 *                           COWWATCH_EV_PATH: the file's path as
 *                           /proc/PID/maps shows it, taken while the region
 *                           existed) comes before the first record of a
 *                           file this reader was not sent lately: a reader
 *                           keeps the path of each (dev, ino). For a
 *                           reader of stacks, a COWWATCH_A_STACK (struct
 *                           cowwatch_stack, then its len bytes of stack)
 *                           comes right before the COWWATCH_A_EVENTS whose
 *                           first record it belongs to; a copying event
 *                           that could not be sampled has
 *                           COWWATCH_EVF_NO_STACK.
 *   COWWATCH_CMD_COUNTS     COWWATCH_A_SEQ, COWWATCH_A_LOST, then
 *                           COWWATCH_A_FILE nests (COWWATCH_EV_DEV,
 *                           COWWATCH_EV_INO, COWWATCH_EV_PATH: a file's
 *                           path, sent when this reader was not sent it
 *                           lately, before the records that need it) and
 *                           COWWATCH_A_COUNT attributes, each one struct
 *                           cowwatch_count: the faults of one process with
 *                           the same outcome, page size, flags, region and
 *                           user IP since the previous COUNTS. Every
 *                           fault is in one record, unless the module's
 *                           table was full: then it is counted in
 *                           COWWATCH_A_LOST (the EXIT counters stay exact).
 *                           A process's records come after its FORK or
 *                           EXEC and before its EXIT.
 *   COWWATCH_CMD_EXIT       COWWATCH_A_SEQ, COWWATCH_A_TGID, COWWATCH_A_PID,
 *                           COWWATCH_A_TIME, COWWATCH_A_COMM (the name of
 *                           the process's main thread), COWWATCH_A_LOST
 *                           (protocol 6) and COWWATCH_A_COUNTERS: a nest
 *                           whose attribute type is outcome + 1 and whose
 *                           value is the exact u64 count of that outcome
 *                           for the process, even if events were lost.
 *   COWWATCH_CMD_GONE       COWWATCH_A_SEQ, COWWATCH_A_LOST: the module
 *                           is unloading; nothing follows.
 *   COWWATCH_CMD_FORK       COWWATCH_A_SEQ, COWWATCH_A_PID (the new
 *                           process), COWWATCH_A_PPID (the watched process
 *                           that forked it), COWWATCH_A_TGID, COWWATCH_A_COMM
 *                           (the child's name at the fork), COWWATCH_A_TIME:
 *                           the child is watched from its first instruction.
 *   COWWATCH_CMD_EXEC       COWWATCH_A_SEQ, COWWATCH_A_PID, COWWATCH_A_COMM,
 *                           COWWATCH_A_TIME: a watched process exec'd (its
 *                           memory map is new).
 * COWWATCH_A_TIME and the records' times are one clock (ktime_get_ns(),
 * CLOCK_MONOTONIC of the initial time namespace): the moment of the fork,
 * exec, exit or fault.
 * COWWATCH_A_SEQ counts the notifications sent to one reader from 0, so a
 * gap shows a notification that was dropped. COWWATCH_A_LOST counts events
 * dropped for this reader so far (full buffers). FORK, EXEC, EXIT and GONE
 * are not dropped when the reader's socket is full (protocol 6): they wait
 * in the module until it has room (a few thousand at most), and EVENTS and
 * COUNTS made meanwhile are dropped instead of going ahead of them, so a
 * reader receives everything in the order it was made.
 */
#ifndef _UAPI_COWWATCH_H
#define _UAPI_COWWATCH_H

#include <linux/types.h>

/*
 * Release of the module, the reader and the DKMS package: the one place the
 * version is written. dkms.conf and the Makefile read it from this line
 * (keep its form: #define COWWATCH_RELEASE<tab>"X.Y.Z").
 */
#define COWWATCH_RELEASE	"0.1.0"

/* Generic netlink family. */
#define COWWATCH_GENL_NAME	"cowwatch"
#define COWWATCH_GENL_VERSION	7

enum cowwatch_cmd {
	COWWATCH_CMD_UNSPEC,
	COWWATCH_CMD_WATCH,
	COWWATCH_CMD_UNWATCH,
	COWWATCH_CMD_GET_STATS,
	COWWATCH_CMD_EVENTS,
	COWWATCH_CMD_EXIT,
	COWWATCH_CMD_GONE,
	COWWATCH_CMD_FORK,
	COWWATCH_CMD_EXEC,
	COWWATCH_CMD_COUNTS,
	__COWWATCH_CMD_MAX,
};

#define COWWATCH_CMD_MAX	(__COWWATCH_CMD_MAX - 1)

enum cowwatch_attr {
	COWWATCH_A_UNSPEC,
	COWWATCH_A_PAD,
	COWWATCH_A_PID,			/* u32, in the sender's pid namespace */
	COWWATCH_A_TGID,		/* u32, in the initial pid namespace */
	COWWATCH_A_SEQ,			/* u32 */
	COWWATCH_A_LOST,		/* u64 */
	COWWATCH_A_EVENT,		/* unused since protocol 3 */
	COWWATCH_A_COUNTERS,		/* nest: type outcome + 1, u64 value */
	COWWATCH_A_STAT_WP_HITS,	/* u64: write-fault probe hits, all tasks */
	COWWATCH_A_STAT_WP_WATCHED,	/* u64: of those, in watched processes */
	COWWATCH_A_STAT_RMAP_HITS,	/* u64: copies seen in watched faults */
	COWWATCH_A_STAT_NMISSED,	/* u64: kretprobe instances missed */
	COWWATCH_A_STAT_LOST,		/* u64: events dropped, all readers */
	COWWATCH_A_STAT_WATCHED,	/* u32: processes watched now */
	COWWATCH_A_STAT_RMAP_SYMBOL,	/* string: the new-anon-rmap probe */
	COWWATCH_A_PPID,		/* u32, in the reader's pid namespace */
	COWWATCH_A_COMM,		/* string */
	COWWATCH_A_WATCH_FLAGS,		/* u32: COWWATCH_WATCH_* */
	COWWATCH_A_TIME,		/* u64, ktime_get_ns() */
	COWWATCH_A_FILE,		/* nest: EV_DEV, EV_INO, EV_PATH */
	COWWATCH_A_COUNT,		/* binary: struct cowwatch_count */
	COWWATCH_A_STAT_ARMED,		/* u32: 1 while the probes are armed */
	COWWATCH_A_STAT_BYTES_PER_CPU,	/* u64: the module's buffers per CPU */
	COWWATCH_A_EVENTS,		/* binary: struct cowwatch_event[] */
	COWWATCH_A_STACK,		/* binary: struct cowwatch_stack, stack (protocol 5) */
	COWWATCH_A_FOUND,		/* binary: struct cowwatch_found[] (protocol 7) */
	COWWATCH_A_MORE,		/* flag: more descendants to list (protocol 7) */
	__COWWATCH_A_MAX,
};

#define COWWATCH_A_MAX		(__COWWATCH_A_MAX - 1)

/*
 * Attributes of a COWWATCH_A_FILE nest: DEV, INO and PATH (the others were
 * protocol 2's nested events; their numbers stay as they were).
 */
enum cowwatch_ev_attr {
	COWWATCH_EV_UNSPEC,
	COWWATCH_EV_PAD,
	COWWATCH_EV_TGID,		/* u32, initial pid namespace */
	COWWATCH_EV_TID,		/* u32, initial pid namespace */
	COWWATCH_EV_PID,		/* u32, tgid in the reader's namespace */
	COWWATCH_EV_COMM,		/* string */
	COWWATCH_EV_ADDR,		/* u64, page aligned user address */
	COWWATCH_EV_IP,			/* u64, user IP; 0 if remote */
	COWWATCH_EV_OUTCOME,		/* u32, enum cowwatch_outcome */
	COWWATCH_EV_PAGE_SIZE,		/* u32, bytes */
	COWWATCH_EV_TIME,		/* u64, ktime_get_ns() */
	COWWATCH_EV_CPU,		/* u32 */
	COWWATCH_EV_VMA_START,		/* u64 */
	COWWATCH_EV_VMA_END,		/* u64 */
	COWWATCH_EV_VMA_FLAGS,		/* u64, VM_* flags */
	COWWATCH_EV_DEV,		/* u32, new_encode_dev() of the file */
	COWWATCH_EV_INO,		/* u64, 0 if anonymous */
	COWWATCH_EV_FLAGS,		/* u32, COWWATCH_EVF_* */
	COWWATCH_EV_PATH,		/* string: the file of DEV and INO */
	__COWWATCH_EV_MAX,
};

#define COWWATCH_EV_MAX		(__COWWATCH_EV_MAX - 1)

/*
 * What one write fault on a write-protected present page ended in: a PTE
 * (do_wp_page), a hugetlb page (hugetlb_wp) or a huge PMD mapping a
 * transparent huge page or the huge zero page (do_huge_pmd_wp_page). The
 * first four made a new page: they break CoW sharing. Page size 2 MiB with
 * REUSE: a whole THP made writable in place; with ZERO: the huge zero page
 * replaced by a new THP (6.13 and later).
 */
enum cowwatch_outcome {
	COWWATCH_OUT_COPY,	/* copied a shared anonymous page */
	COWWATCH_OUT_ZERO,	/* replaced the shared zero page */
	COWWATCH_OUT_FILE,	/* copied a page cache page (MAP_PRIVATE) */
	COWWATCH_OUT_KSM,	/* copied a KSM-merged page */
	COWWATCH_OUT_REUSE,	/* private page reused in place: no copy */
	COWWATCH_OUT_SHARED,	/* shared mapping made writable: no CoW */
	COWWATCH_OUT_RETRY,	/* fault to be retried (or uffd-wp): no copy */
	COWWATCH_OUT_ERROR,	/* OOM, SIGBUS, SIGSEGV, poison: no copy */
	COWWATCH_OUT_SPLIT,	/* huge PMD split, no copy yet (protocol 4) */
	__COWWATCH_OUT_MAX,
};

#define COWWATCH_OUT_MAX	(__COWWATCH_OUT_MAX - 1)

/* COWWATCH_A_WATCH_FLAGS */
#define COWWATCH_WATCH_DESCENDANTS	0x1
#define COWWATCH_WATCH_FROM_EXEC	0x2
#define COWWATCH_WATCH_EVENTS		0x4
#define COWWATCH_WATCH_STACKS		0x8	/* protocol 5 */

/*
 * A descendant that a WATCH with COWWATCH_WATCH_DESCENDANTS watched: @pid
 * and its parent @ppid in the reader's pid namespace, @vsize the bytes of
 * its address space (as /proc/PID/stat's vsize) and @comm the name of its
 * main thread, both read after it was watched.
 */
struct cowwatch_found {
	__u32 pid;
	__u32 ppid;
	__u64 vsize;
	char comm[16];
};

/* At most this many struct cowwatch_found in a reply: 8 KiB. */
#define COWWATCH_FOUND_MAX	256

/* COWWATCH_EV_FLAGS */
#define COWWATCH_EVF_REMOTE	0x1	/* faulted by another mm (ptrace, GUP) */
#define COWWATCH_EVF_UNSHARE	0x2	/* unshare fault (GUP pin), not a write */
#define COWWATCH_EVF_HEAP	0x4	/* anonymous: the region is the brk heap */
#define COWWATCH_EVF_STACK	0x8	/* anonymous: the main thread's stack */
#define COWWATCH_EVF_HUGE_ZERO	0x10	/* split: the PMD mapped the huge zero page */
/* A reader of stacks got none: sample buffer full, remote fault, 32-bit task. */
#define COWWATCH_EVF_NO_STACK	0x20

/*
 * One fault of a watched process, in a COWWATCH_A_EVENTS array: @pid is the
 * process in the reader's pid namespace, @tgid and @tid (the writing
 * thread, whose name is @comm) in the initial one; @addr the page-aligned
 * user address, @ip the user IP (0: a remote fault), @outcome an enum
 * cowwatch_outcome, on a page of @page_size bytes, in the region
 * @vm_start-@vm_end with VM_* flags @vm_flags (a file's: @dev, @ino; @ino
 * 0 if anonymous), COWWATCH_EVF_* @flags, at @time_ns (ktime_get_ns()) on
 * CPU @cpu. Fixed size, native byte order; the array may be only 4-byte
 * aligned: copy records out.
 */
struct cowwatch_event {
	__u64 time_ns;
	__u64 addr;
	__u64 ip;
	__u64 vm_start;
	__u64 vm_end;
	__u64 vm_flags;
	__u64 ino;
	__u32 pid;
	__u32 tgid;
	__u32 tid;
	__u32 dev;
	__u32 outcome;
	__u32 page_size;
	__u32 flags;
	__u32 cpu;
	char comm[16];
};

/*
 * COWWATCH_A_STACK (protocol 5): the user state of the thread that wrote,
 * taken in the fault's return probe: @regs, x86-64's DWARF registers 0-16
 * (rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip) as the thread entered the
 * kernel, and @len bytes of its user stack from rsp (regs[7]) up, which
 * follow this header in the attribute. The copy stops early at a page it
 * could not read without sleeping. Native byte order; copy it out.
 */
#define COWWATCH_STACK_REGS	17

struct cowwatch_stack {
	__u64 regs[COWWATCH_STACK_REGS];
	__u32 len;
	__u32 reserved;
};

/*
 * COWWATCH_A_COUNT: @count faults of one process (@pid in the reader's pid
 * namespace, @tgid in the initial one) that ended in @outcome, on pages of
 * @page_size bytes, with COWWATCH_EVF_* @flags, in the region that started
 * at @vm_start (it ended at @vm_end at the last of them; a file region's
 * file is @dev and @ino, @ino 0 if anonymous), written by the code at user
 * address @ip (0: a remote fault), the first at @first_ns and the last at
 * @last_ns (ktime_get_ns()). Fixed size, native byte order, 8-byte fields
 * first; the attribute may be only 4-byte aligned: copy it out.
 */
struct cowwatch_count {
	__u64 count;
	__u64 vm_start;
	__u64 vm_end;
	__u64 ip;
	__u64 ino;
	__u64 first_ns;
	__u64 last_ns;
	__u32 pid;
	__u32 tgid;
	__u32 dev;
	__u32 outcome;
	__u32 page_size;
	__u32 flags;
};

#endif /* _UAPI_COWWATCH_H */
