/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reader's table of watched processes: per process, what each outcome
 * counted, which regions were copied and which code copied them. Regions
 * and code are named from maps snapshots read at attach, fork and exec (a
 * child gone by its fork's turn shares its parent's), kept after the
 * process is gone, so a process that lived only milliseconds is named as
 * well as a long-lived one.
 */
#ifndef COWWATCH_PROCS_H
#define COWWATCH_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"
#include "maps.h"
#include "procfs.h"
#include "symbols.h"

struct region_stat {
	const char *name;	/* owned by the table */
	uint64_t start, end;
	uint64_t pages;		/* copies made in it */
};

struct site_stat {
	const char *dso;	/* "[anon]", "[unknown]" or a path */
	const char *symbol;	/* NULL: see offset */
	uint64_t offset;	/* without a symbol: address in the DSO */
	uint64_t pages;
};

/*
 * Copies of one region made by one code site, called from one chain (with
 * --stacks): a line of --folded output.
 */
struct path_stat {
	const char *region;	/* interned, as in region_stat */
	const char *chain;	/* interned callers (procs_chain_frames()); NULL: none */
	struct site_stat site;	/* its pages: the copies */
};

/* Frames of a call chain kept per event (--stacks). */
#define CW_CHAIN_FRAMES 64
/* Between the frames of an interned chain (path_stat.chain). */
#define CW_CHAIN_SEP '\x1f'

/*
 * A code site's name as a frame: its function, or without a symbol
 * "FILE+0xOFFSET" (FILE the DSO's file name).
 */
void site_frame_name(const struct site_stat *s, char *buf, size_t len);

struct maps_ref;

struct proc {
	pid_t pid, ppid;	/* ppid 0: not known */
	char comm[CW_COMM_LEN];
	/*
	 * The code site of the last event, and the ip and map snapshot
	 * (its serial) it was found in: a worker's events mostly come from
	 * one store instruction (procs.c).
	 */
	uint64_t site_serial, site_ip;
	struct site_stat site_last;
	uint64_t ev_counts[__COWWATCH_OUT_MAX];		/* seen as events */
	uint64_t exit_counts[__COWWATCH_OUT_MAX];	/* kernel's, at exit */
	bool exited;
	bool live;		/* watched and not exited yet */
	bool vanished;		/* gone (kill(2) said so) before its EXIT came */
	uint64_t ev_copied_bytes;
	struct region_stat *regions;
	size_t nregions, cap_regions;
	struct site_stat *sites;
	size_t nsites, cap_sites;
	struct path_stat *paths;
	size_t npaths, cap_paths;
	struct maps_ref *maps;
	bool maps_inherited;	/* the snapshot is the parent's, shared at fork */
	bool maps_gone;		/* its maps could not be read: gone or exiting */
	bool walked;		/* its stat was read by the attach's walk (procs_walked()) */
	unsigned long long vsize;	/* and the size of its address space then */
	uint64_t first_ns, last_ns;
	uint64_t tick_bytes;	/* copied bytes at the last live refresh */
	size_t trace_slot;	/* --trace: its series is trace.series[trace_slot - 1]; 0: none */
	double rate;		/* copied bytes per second, last interval */
	struct proc *next;	/* hash chain */
};

/* A memory map read when an EXEC notice was seen ahead of its turn. */
struct maps_ahead {
	pid_t pid;
	struct maps_ref *maps;	/* NULL: none to use (gone, or two execs seen) */
};

/* A file's path as the module sent it (COWWATCH_EV_PATH), by device and inode. */
struct file_name {
	uint32_t dev;
	uint64_t ino;
	const char *path;	/* interned */
	struct file_name *next;
};

struct proc_table {
	struct proc *buckets[1024];
	size_t count;
	/*
	 * A recording's table (cowwatch report): nothing is read from /proc,
	 * names come with each record.
	 */
	bool offline;
	struct symbolizer *sym;
	char **names;		/* interned names (regions, files, symbols), owned */
	size_t nnames, cap_names;
	/* An open-addressing index of names: slots hold an index + 1, 0 free. */
	uint32_t *name_slots;
	size_t name_slot_count;	/* a power of two, at most 3/4 used */
	const char *name_anon, *name_heap, *name_stack;	/* interned once asked for */
	struct file_name *files[256];	/* paths of the files events hit */
	uint64_t maps_reads;	/* /proc/PID/maps reads tried */
	struct procfs_text text;	/* the last read's raw text */
	struct proc **unread;	/* added, stat and map not read yet */
	size_t nunread, cap_unread;
	struct maps_ahead *ahead;	/* maps read at EXEC notices seen ahead */
	size_t nahead, cap_ahead;
};

int procs_init(struct proc_table *t);
void procs_free(struct proc_table *t);

/* The process @pid, created (with a maps snapshot if it is alive) if new. */
struct proc *procs_get(struct proc_table *t, pid_t pid);
struct proc *procs_find(const struct proc_table *t, pid_t pid);
/*
 * The process @pid, created without reading anything if new: an attach
 * watches a whole tree first (the module counts a process's faults only
 * from its WATCH on) and reads the new processes' stat and maps after, in
 * procs_read_added(). An event of one before that reads its map itself.
 */
struct proc *procs_add(struct proc_table *t, pid_t pid);
/*
 * The attach learnt @p's name and the size of its address space after its
 * WATCH (so a later exec is notified): from its stat, or from the module's
 * list of the descendants it watched. procs_read_added() uses them rather
 * than reading the name again.
 */
void procs_walked(struct proc *p, const struct procfs_stat *st);
/*
 * Reads what procs_add() left unread: stat (comm; ppid if not known) and
 * map. A process the walk found under its parent, with the parent's name
 * and the same size of address space, shares the parent's snapshot as a
 * forked child does (maps_inherited) instead of reading its own: a tree
 * of forked workers costs one map read, not one per worker. An event that
 * misses the shared snapshot reads the process's own map.
 */
void procs_read_added(struct proc_table *t);

/*
 * @child was forked by @parent: its memory map is read now, or is its
 * parent's (read again) if it is gone already. If
 * @child is the pid of a process that exited, that one stays in the table
 * (and the report) as it was, and procs_find() finds the new one.
 */
void procs_fork(struct proc_table *t, pid_t parent, pid_t child, const char *comm);
/*
 * @pid exec'd: its memory map is new. It is read now; if the process is
 * gone already, the map read when its EXEC notice was seen ahead is used.
 */
void procs_exec(struct proc_table *t, pid_t pid);
/*
 * An EXEC notice of @pid, seen before the notifications queued in front of
 * it were handled: reads its new memory map now, while the process is
 * most likely still there, for procs_exec() to fall back on.
 */
void procs_exec_ahead(struct proc_table *t, pid_t pid);
/* Forgets the maps read ahead (after the notices seen ahead were handled). */
void procs_ahead_clear(struct proc_table *t);
/* Where one event hit and which code made it, for --events. */
struct attribution {
	const char *region;
	struct site_stat site;
	/*
	 * With --stacks, for a copy: its call chain, innermost first
	 * (frames[0] is the site), and the callers as path_stat.chain.
	 */
	int nframes;
	struct site_stat frames[CW_CHAIN_FRAMES];
	const char *chain;
};

/*
 * Counts @ev (ev->count faults: a count record, or one event) for its
 * process; a copy is also attributed to its region and
 * code site. With @out, the event's attribution is filled in (for every
 * outcome, not only copies). A region is named by what the module said at
 * the fault where it can (a file's path, the heap, the stack), else from
 * the process's memory map. The process is named by its main thread: the
 * events of other threads carry their own names.
 */
struct proc *procs_event(struct proc_table *t, const struct cw_event *ev,
			 struct attribution *out);
/*
 * Counts @ev as procs_event() does, attributed to @a as a recording says
 * (cowwatch report): its strings are interned here.
 */
struct proc *procs_event_attributed(struct proc_table *t, const struct cw_event *ev,
				    const struct attribution *a);
/*
 * The module named file @dev, @ino: @path (interned, returned). Events and
 * count records of that file are named so from now on.
 */
const char *procs_file(struct proc_table *t, uint32_t dev, uint64_t ino, const char *path);
/* @ex's process exited: its exact counts and its last name. */
void procs_exit(struct proc_table *t, const struct cw_exit *ex);

/* Final counts: the kernel's exact ones after exit, else the events'. */
const uint64_t *proc_counts(const struct proc *p);
/* Bytes of new memory the process's faults made (copy, zero, file, ksm). */
uint64_t proc_copied_bytes(const struct proc *p);

/* All processes, most copied bytes first; free() the array. */
struct proc **procs_sorted(const struct proc_table *t, size_t *n);
/* Sorts a process's regions and sites, most copied pages first. */
void proc_sort_details(struct proc *p);

#endif /* COWWATCH_PROCS_H */
