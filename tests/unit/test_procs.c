// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/procs.c: attribution of synthesized events to
 * processes, regions and code. The events describe this test process's own
 * memory, so the ground truth (which region, which function) is known.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "procs.h"
#include "unit.h"


__attribute__((noinline)) void cw_writer_function(volatile char *p)
{
	p[0] = 1;
}

static struct cw_event event(pid_t pid, uint32_t outcome, uint64_t addr, uint64_t ip,
			     const struct map_entry *region)
{
	struct cw_event ev = {
		.pid = pid, .tgid = (uint32_t)pid, .tid = (uint32_t)pid,
		.addr = addr, .ip = ip, .outcome = outcome, .page_size = 4096,
		.time_ns = 1000, .vm_start = region->start, .vm_end = region->end,
		.ino = region->ino,
	};

	snprintf(ev.comm, sizeof(ev.comm), "worker");
	return ev;
}

/* A private mapping of a new temporary file: a region with a path and an inode. */
static char *map_temp_file(char *path, size_t len)
{
	int fd = mkstemp(path);
	char *r;

	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)len)) {
		close(fd);
		return NULL;
	}
	r = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	return r == MAP_FAILED ? NULL : r;
}

/* The region holding @addr in a fresh read of our own maps. */
static int own_region(const void *addr, struct map_entry *out)
{
	struct maps m;
	const struct map_entry *e;

	if (maps_read_pid(getpid(), &m))
		return -1;
	e = maps_find(&m, (uint64_t)(uintptr_t)addr);
	if (e) {
		*out = *e;
		out->path = NULL;
	}
	maps_free(&m);
	return e ? 0 : -1;
}

/* A copy at @addr in region @e by @pid, happening now on the module's clock. */
static const char *name_copy_in(struct proc_table *t, pid_t pid, const void *addr, uint64_t ip,
				const struct map_entry *e)
{
	struct cw_event ev = event(pid, COWWATCH_OUT_FILE, (uint64_t)(uintptr_t)addr, ip, e);
	struct attribution a;

	ev.time_ns = kernel_now_ns();
	return procs_event(t, &ev, &a) ? a.region : "(no process)";
}

/* The same, in the region that holds @addr in our own maps now. */
static const char *name_copy_now(struct proc_table *t, pid_t pid, const void *addr, uint64_t ip)
{
	struct map_entry e;

	if (own_region(addr, &e))
		return "(not mapped)";
	return name_copy_in(t, pid, addr, ip, &e);
}

/*
 * Regions mapped after a snapshot was read, in quick succession, and a child
 * that is gone before the reader sees its copy: each miss of an event newer
 * than the snapshot re-reads it, and a child that cannot be read takes its
 * parent's fresh map. (CI once named a short-lived worker's file region
 * "[file 0:1a inode 14]": a re-read limit of 100 ms of the reader's time had
 * refused the parent's re-read after its regions were mapped.)
 */
static void test_late_regions(uint64_t ip)
{
	const pid_t self = getpid(), child = 0x7ffffff1;
	char path[3][32] = { "/tmp/cw-late-XXXXXX", "/tmp/cw-late-XXXXXX", "/tmp/cw-late-XXXXXX" };
	char *file[3] = { NULL, NULL, NULL };
	struct proc_table t;
	struct cw_event ev;
	struct map_entry none = { 0 };
	const char *name;
	uint64_t reads;

	report(procs_init(&t) == 0, "late regions: table created");
	procs_get(&t, self);
	for (int i = 0; i < 3; i++) {
		/* The child's fork is seen before the parent maps the third file. */
		if (i == 2)
			procs_fork(&t, self, child, "kid");
		file[i] = map_temp_file(path[i], 4096);
		report(file[i] != NULL, "late regions: %s mapped", path[i]);
		if (!file[i])
			goto out;
		name = name_copy_now(&t, i == 2 ? child : self, file[i], ip);
		report(!strcmp(name, path[i]), "late regions: %s copy named %s (%s)",
		       i == 2 ? "gone child's" : "parent's", path[i], name);
	}

	/* A miss no read can mend: re-read for an event after the snapshot, never before. */
	reads = t.maps_reads;
	ev = event(self, COWWATCH_OUT_ZERO, 0x1000, 0, &none);
	procs_event(&t, &ev, NULL);
	report(t.maps_reads == reads, "late regions: a miss older than the snapshot reads nothing");
	ev.time_ns = kernel_now_ns();
	procs_event(&t, &ev, NULL);
	report(t.maps_reads == reads + 1, "late regions: a newer miss reads once (%llu)",
	       (unsigned long long)(t.maps_reads - reads));
	procs_event(&t, &ev, NULL);
	report(t.maps_reads == reads + 1, "late regions: and not again for the same event time");
out:
	for (int i = 0; i < 3; i++) {
		if (file[i]) {
			munmap(file[i], 4096);
			unlink(path[i]);
		}
	}
	procs_free(&t);
}

/* A child that waits until the write end of @hold is closed. */
static pid_t held_child(const int hold[2])
{
	pid_t pid = fork();
	char byte;

	if (pid == 0) {
		close(hold[1]);
		_exit(read(hold[0], &byte, 1) < 0);
	}
	return pid;
}

/*
 * An EXEC notice seen ahead: the map read then is the one procs_exec() uses
 * when the process is gone by its turn; a pid with two execs seen at once
 * has none; what was not used is forgotten.
 */
static void test_exec_ahead(uint64_t ip)
{
	char path[] = "/tmp/cw-ahead-XXXXXX";
	char *file = map_temp_file(path, 4096);
	struct proc_table t;
	int hold[2] = { -1, -1 };
	pid_t kid = -1, kid2 = -1;
	const char *name;

	if (!pipe(hold)) {
		kid = held_child(hold);
		kid2 = held_child(hold);
	}
	report(procs_init(&t) == 0 && file && kid > 0 && kid2 > 0, "exec ahead: set up");
	if (!file || kid <= 0 || kid2 <= 0)
		goto out;
	procs_get(&t, getpid());
	procs_fork(&t, getpid(), kid, "kid");
	procs_fork(&t, getpid(), kid2, "kid2");
	procs_exec_ahead(&t, kid);
	procs_exec_ahead(&t, kid2);
	procs_exec_ahead(&t, kid2);
	report(t.nahead == 2, "exec ahead: one entry per pid (%zu)", t.nahead);
	/* Both gone before their exec notices' turn. */
	close(hold[1]);
	hold[1] = -1;
	waitpid(kid, NULL, 0);
	waitpid(kid2, NULL, 0);

	procs_exec(&t, kid);
	report(t.nahead == 1, "exec ahead: used once, then forgotten");
	name = name_copy_now(&t, kid, file, ip);
	report(!strcmp(name, path), "exec ahead: a process gone by its exec's turn is named (%s)", name);
	procs_exec(&t, kid2);
	name = name_copy_now(&t, kid2, file, ip);
	report(strcmp(name, path) != 0, "exec ahead: two execs seen at once: no map used (%s)", name);
	procs_exec_ahead(&t, getpid());
	procs_ahead_clear(&t);
	report(t.nahead == 0, "exec ahead: cleared");
out:
	if (hold[1] >= 0) {
		close(hold[1]);
		if (kid > 0)
			waitpid(kid, NULL, 0);
		if (kid2 > 0)
			waitpid(kid2, NULL, 0);
	}
	if (hold[0] >= 0)
		close(hold[0]);
	if (file) {
		munmap(file, 4096);
		unlink(path);
	}
	procs_free(&t);
}

/*
 * A fork seen while the child lives: the child's own map is read then. The
 * parent had mapped a file after its snapshot and unmapped it after the
 * fork; the child, gone by its copy's turn, is still named.
 */
static void test_fork_reads_child(uint64_t ip)
{
	char path[] = "/tmp/cw-fork-XXXXXX";
	struct proc_table t;
	struct map_entry e;
	int hold[2] = { -1, -1 };
	pid_t kid = -1;
	char *file;
	const char *name;

	report(procs_init(&t) == 0, "fork: table created");
	procs_get(&t, getpid());
	file = map_temp_file(path, 4096);
	if (!file || own_region(file, &e) || pipe(hold)) {
		report(0, "fork: set up");
		goto out;
	}
	kid = held_child(hold);
	procs_fork(&t, getpid(), kid, "kid");
	close(hold[1]);
	waitpid(kid, NULL, 0);
	munmap(file, 4096);
	name = name_copy_in(&t, kid, file, ip, &e);
	report(!strcmp(name, path), "fork: the child's own map, read at the fork, names it (%s)", name);
out:
	if (hold[0] >= 0)
		close(hold[0]);
	if (file)
		unlink(path);
	procs_free(&t);
}

/* What held_mapper() maps: its region and its file. */
struct own_file {
	struct map_entry e;
	char path[32];
};

/* A held child that maps a file of its own first, sends it on @ready, then waits. */
static pid_t held_mapper(const int hold[2], const int ready[2])
{
	pid_t pid = fork();
	struct own_file f = { .path = "/tmp/cw-attach-XXXXXX" };
	char byte;

	if (pid == 0) {
		char *mine = map_temp_file(f.path, 4096);

		close(hold[1]);
		close(ready[0]);
		if (!mine || own_region(mine, &f.e))
			f.e.start = 0;
		if (write(ready[1], &f, sizeof(f)) != (ssize_t)sizeof(f))
			_exit(1);
		_exit(read(hold[0], &byte, 1) < 0);
	}
	return pid;
}

/*
 * An attach: processes added first, read after, in order. A child whose
 * map is its parent's text shares its parsed snapshot; one that mapped a
 * file of its own after the fork gets its own, not the parent's. Both are
 * named after they are gone, and the parent found by the walk stays.
 */
/*
 * The walk's stat of each (procs_walked()): @twin and the parent map as
 * many bytes and have one name, @other maps more. @twin shares the
 * parent's snapshot, @other reads its own.
 */
static void walk_all(struct proc_table *t, pid_t twin, pid_t other)
{
	struct procfs_stat st = { .comm = "walked", .vsize = 1 << 20 };

	procs_walked(procs_find(t, getpid()), &st);
	procs_walked(procs_find(t, twin), &st);
	st.vsize += 4096;
	procs_walked(procs_find(t, other), &st);
}

static void test_attach_reads_after(uint64_t ip, bool walked)
{
	char mine[] = "/tmp/cw-attach-XXXXXX";
	int hold[2] = { -1, -1 }, ready[2] = { -1, -1 };
	pid_t twin = -1, other = -1;
	struct own_file theirs = { .path = "" };
	struct map_entry e;
	struct proc_table t;
	struct proc *p;
	char *file = NULL;
	const char *name;

	report(procs_init(&t) == 0, "attach: table created");
	file = map_temp_file(mine, 4096);
	if (!file || own_region(file, &e) || pipe(hold) || pipe(ready)) {
		report(0, "attach: set up");
		goto out;
	}
	twin = held_child(hold);
	other = held_mapper(hold, ready);
	close(ready[1]);
	ready[1] = -1;
	report(twin > 0 && other > 0 && read(ready[0], &theirs, sizeof(theirs)) == (ssize_t)sizeof(theirs) &&
	       theirs.e.start, "attach: children ready");
	procs_add(&t, getpid());
	procs_add(&t, twin)->ppid = getpid();
	procs_add(&t, other)->ppid = getpid();
	report(t.maps_reads == 0 && t.nunread == 3, "attach: nothing read while adding");
	if (walked)
		walk_all(&t, twin, other);
	procs_read_added(&t);
	if (walked) {
		p = procs_find(&t, twin);
		report(t.maps_reads == 2 && t.nunread == 0 && p && p->maps_inherited &&
		       p->maps == procs_find(&t, getpid())->maps,
		       "attach walked: the twin shares its parent's snapshot, 2 reads (%llu)",
		       (unsigned long long)t.maps_reads);
		p = procs_find(&t, other);
		report(p && !p->maps_inherited && p->maps && !strcmp(p->comm, "walked"),
		       "attach walked: a bigger one reads its own, named by the walk (%s)",
		       p ? p->comm : "-");
	} else {
		report(t.maps_reads == 3 && t.nunread == 0, "attach: then each map read once (%llu)",
		       (unsigned long long)t.maps_reads);
	}
	p = procs_find(&t, other);
	report(p && p->ppid == getpid() && p->comm[0], "attach: parent kept, name read (%s)",
	       p ? p->comm : "-");
	close(hold[1]);
	hold[1] = -1;
	waitpid(twin, NULL, 0);
	waitpid(other, NULL, 0);
	munmap(file, 4096);
	file = NULL;
	name = name_copy_in(&t, twin, (void *)(uintptr_t)e.start, ip, &e);
	report(!strcmp(name, mine), "attach: a child with its parent's map is named (%s)", name);
	name = name_copy_in(&t, other, (void *)(uintptr_t)theirs.e.start, ip, &theirs.e);
	report(!strcmp(name, theirs.path), "attach: a child with a file of its own is named from its own map (%s)",
	       name);
out:
	for (int i = 0; i < 2; i++) {
		if (hold[i] >= 0)
			close(hold[i]);
		if (ready[i] >= 0)
			close(ready[i]);
	}
	if (file)
		munmap(file, 4096);
	unlink(mine);
	if (theirs.path[0])
		unlink(theirs.path);
	procs_free(&t);
}

/*
 * The fields of /proc/PID/stat the walk uses, from a child named with
 * parentheses and blanks (comm may hold ')'): its parent, one thread, not
 * a zombie, and the size of its address space as statm counts it (pages).
 */
static void test_stat_fields(void)
{
	int hold[2], ready[2];
	char buf[256] = "", c;
	unsigned long pages = 0;
	struct procfs_stat st;
	pid_t kid;
	int fd, ok = 0;
	ssize_t n;

	if (pipe(hold) || pipe(ready)) {
		report(0, "stat: pipes");
		return;
	}
	kid = fork();
	if (kid == 0) {
		prctl(PR_SET_NAME, "a) (b c)");
		close(ready[0]);
		close(hold[1]);
		c = 1;
		if (write(ready[1], &c, 1) != 1 || read(hold[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	if (kid > 0 && read(ready[0], &c, 1) == 1) {
		snprintf(buf, sizeof(buf), "/proc/%d/statm", (int)kid);
		fd = open(buf, O_RDONLY);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = 0;
		ok = sscanf(buf, "%lu", &pages) == 1 && procfs_read_stat(kid, &st) == 0;
	}
	report(ok && !strcmp(st.comm, "a) (b c)") && st.ppid == getpid(),
	       "stat: name with parentheses, parent (%s, %d)", ok ? st.comm : "-", ok ? st.ppid : 0);
	report(ok && st.threads == 1 && st.state != 'Z' && st.state != 0,
	       "stat: one thread, state %c", ok ? st.state : '-');
	report(ok && pages && st.vsize == pages * (unsigned long long)getpagesize(),
	       "stat: vsize %llu = statm's %lu pages", ok ? st.vsize : 0ULL, pages);
	close(hold[1]);
	close(hold[0]);
	close(ready[0]);
	if (kid > 0)
		waitpid(kid, NULL, 0);
	report(procfs_read_stat(kid, &st) == -ESRCH, "stat: gone, ESRCH");
}

static void test_proc_paths(void)
{
	char buf[PROCFS_PATH_MAX];
	const char *long_name = "a-file-name-long-enough-to-be-cut-at-the-end-of-the-buffer-xyz";

	report(!strcmp(procfs_path(buf, 1234, "maps"), "/proc/1234/maps"), "path: %s", buf);
	report(!strcmp(procfs_path(buf, 2147483647, "stat"), "/proc/2147483647/stat"),
	       "path of the largest pid: %s", buf);
	report(!strcmp(procfs_path(buf, 0, "stat"), "/proc/0/stat"), "path of pid 0: %s", buf);
	procfs_path(buf, 99, long_name);
	report(strlen(buf) == PROCFS_PATH_MAX - 1 && !strncmp(buf, "/proc/99/a-file", 15),
	       "path cut to fit: %zu bytes", strlen(buf));
}

static void test_timens_offset(void)
{
	char path[] = "/tmp/cw-timens-XXXXXX";
	int fd = mkstemp(path);
	const char text[] = "monotonic           5    100\nboottime            0         0\n";

	report(fd >= 0 && write(fd, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1),
	       "timens: offsets file written");
	if (fd >= 0)
		close(fd);
	report(timens_monotonic_offset(path) == 5000000100LL, "timens: monotonic offset read");
	unlink(path);
	report(timens_monotonic_offset(path) == 0, "timens: no file, no offset");
}

/*
 * Names the module gave at the fault: a file's path (sent with its first
 * event only) for a process that is gone, so no map can be read; the heap
 * and the stack of anonymous memory.
 */
static void test_kernel_names(uint64_t ip)
{
	const pid_t gone = 0x7ffffff3;
	struct map_entry file = { .start = 0x7f0000000000ULL, .end = 0x7f0000010000ULL, .ino = 4 };
	struct map_entry anon = { .start = 0x560000000000ULL, .end = 0x560000100000ULL };
	struct proc_table t;
	struct cw_event ev;
	struct attribution a;
	struct proc *p;

	report(procs_init(&t) == 0, "kernel names: table created");
	procs_file(&t, 0x1c, file.ino, "/tmp/cw-data (deleted)");
	ev = event(gone, COWWATCH_OUT_FILE, file.start, ip, &file);
	ev.dev = 0x1c;
	procs_event(&t, &ev, &a);
	report(!strcmp(a.region, "/tmp/cw-data (deleted)"), "kernel names: the path sent (%s)", a.region);
	ev = event(gone, COWWATCH_OUT_FILE, file.start + 4096, ip, &file);
	ev.dev = 0x1c;
	procs_event(&t, &ev, &a);
	report(!strcmp(a.region, "/tmp/cw-data (deleted)"),
	       "kernel names: kept for the file's later events (%s)", a.region);
	ev = event(gone, COWWATCH_OUT_FILE, file.start, ip, &file);
	ev.dev = 0x1d;
	procs_event(&t, &ev, &a);
	report(!strcmp(a.region, "[file 0:1d inode 4]"),
	       "kernel names: another device's inode 4 is another file (%s)", a.region);
	ev = event(gone, COWWATCH_OUT_COPY, anon.start, ip, &anon);
	ev.flags = COWWATCH_EVF_HEAP;
	procs_event(&t, &ev, &a);
	report(!strcmp(a.region, "[heap]"), "kernel names: the heap (%s)", a.region);
	ev.flags = COWWATCH_EVF_STACK;
	procs_event(&t, &ev, &a);
	report(!strcmp(a.region, "[stack]"), "kernel names: the stack (%s)", a.region);
	p = procs_find(&t, gone);
	report(p && p->nregions == 4, "kernel names: four regions (%zu)", p ? p->nregions : 0);
	procs_free(&t);
}

/*
 * One region, one row: an anonymous region named from a snapshot and then,
 * once it was unmapped, from no snapshot at all is still one region. (make
 * demo printed the same range twice: one name interned, one not.)
 */
static void test_one_row_per_region(uint64_t ip)
{
	const pid_t self = getpid(), child = 0x7ffffff4;
	char *r = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *later = NULL;
	struct map_entry e, e_later;
	struct proc_table t;
	struct proc *c;

	report(procs_init(&t) == 0 && r != MAP_FAILED && own_region(r, &e) == 0,
	       "one row: set up");
	procs_fork(&t, self, child, "kid");
	name_copy_in(&t, child, r, ip, &e);
	/* A region the fork's snapshot lacks: its miss reads a map without r. */
	later = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(r, 4 * 4096);
	if (later != MAP_FAILED && own_region(later, &e_later) == 0)
		name_copy_in(&t, child, later, ip, &e_later);
	name_copy_in(&t, child, r + 4096, ip, &e);
	c = procs_find(&t, child);
	report(c && c->nregions == 2 && c->regions[0].pages + c->regions[1].pages == 3 &&
	       (c->regions[0].pages == 2 || c->regions[1].pages == 2),
	       "one row: r's two copies in one row (%zu rows)", c ? c->nregions : 0);
	if (later != MAP_FAILED)
		munmap(later, 4096);
	procs_free(&t);
}

/* A process is named by its main thread, and by the kernel's word at exit. */
static void test_process_name(uint64_t ip)
{
	const pid_t gone = 0x7ffffff5;
	struct map_entry anon = { .start = 0x560000000000ULL, .end = 0x560000100000ULL };
	struct cw_exit ex = { .pid = gone };
	struct proc_table t;
	struct cw_event ev;
	struct proc *p;

	report(procs_init(&t) == 0, "name: table created");
	procs_fork(&t, getpid(), gone, "redis-server");
	ev = event(gone, COWWATCH_OUT_COPY, anon.start, ip, &anon);
	ev.tid = ev.tgid + 1;
	snprintf(ev.comm, sizeof(ev.comm), "bio_lazy_free");
	procs_event(&t, &ev, NULL);
	p = procs_find(&t, gone);
	report(p && !strcmp(p->comm, "redis-server"), "name: another thread's event keeps it (%s)",
	       p ? p->comm : "-");
	ev.tid = ev.tgid;
	snprintf(ev.comm, sizeof(ev.comm), "redis-rdb-bgsav");
	procs_event(&t, &ev, NULL);
	report(p && !strcmp(p->comm, "redis-rdb-bgsav"), "name: the main thread's event renames (%s)",
	       p ? p->comm : "-");
	snprintf(ex.comm, sizeof(ex.comm), "redis-server");
	procs_exit(&t, &ex);
	report(p && !strcmp(p->comm, "redis-server"), "name: the exit's word is the last (%s)",
	       p ? p->comm : "-");
	procs_free(&t);
}

/*
 * The default mode's count records: one record stands for many faults, and
 * adds up with events of the same region and code; a file named by its own
 * message names the records after it.
 */
static void test_count_records(uint64_t ip)
{
	const pid_t gone = 0x7ffffff6;
	struct map_entry file = { .start = 0x7f0000000000ULL, .end = 0x7f0000400000ULL, .ino = 9 };
	struct proc_table t;
	struct cw_event ev;
	struct proc *p;

	report(procs_init(&t) == 0, "count records: table created");
	report(!strcmp(procs_file(&t, 0x1c, 9, "/srv/model.bin"), "/srv/model.bin"),
	       "count records: file named");
	ev = event(gone, COWWATCH_OUT_FILE, file.start, ip, &file);
	ev.dev = 0x1c;
	ev.tid = 0;
	ev.comm[0] = 0;
	ev.count = 300;
	ev.first_ns = 500;
	ev.time_ns = 900;
	p = procs_event(&t, &ev, NULL);
	report(p && !p->comm[0], "count records: no name taken from a record");
	ev = event(gone, COWWATCH_OUT_FILE, file.start + 4096, ip, &file);
	ev.dev = 0x1c;
	ev.time_ns = 1000;
	procs_event(&t, &ev, NULL);
	ev.count = 2;
	ev.outcome = COWWATCH_OUT_REUSE;
	procs_event(&t, &ev, NULL);
	p = procs_find(&t, gone);
	report(p && p->nregions == 1 && p->regions[0].pages == 301 &&
	       !strcmp(p->regions[0].name, "/srv/model.bin"),
	       "count records: 300 + 1 copies in one named region (%llu)",
	       p && p->nregions ? (unsigned long long)p->regions[0].pages : 0ULL);
	report(p && p->nsites == 1 && p->sites[0].pages == 301, "count records: one site, 301 pages");
	report(p && p->ev_counts[COWWATCH_OUT_FILE] == 301 && p->ev_counts[COWWATCH_OUT_REUSE] == 2 &&
	       proc_copied_bytes(p) == 301 * 4096ULL, "count records: counts and bytes");
	report(p && p->first_ns == 500 && p->last_ns == 1000, "count records: first and last time");
	procs_free(&t);
}

/*
 * A process attached while it ran and gone before its map was read: its
 * parent's map names its code if it ran the same program (by name), and
 * nothing does if its name differs (it may have exec'd another).
 */
static void test_attached_gone(uint64_t ip)
{
	const pid_t gone = 0x7ffffff7, other = 0x7ffffff8;
	struct map_entry anon = { .start = 0x560000000000ULL, .end = 0x560000100000ULL };
	struct proc_table t;
	struct attribution a;
	struct cw_event ev;
	struct proc *self, *p, *q;

	report(procs_init(&t) == 0, "attached gone: table created");
	self = procs_add(&t, getpid());
	p = procs_add(&t, gone);
	q = procs_add(&t, other);
	procs_read_added(&t);
	report(self && p && q && self->maps && !p->maps && !q->maps, "attached gone: no map of its own");
	p->ppid = getpid();
	q->ppid = getpid();
	ev = event(gone, COWWATCH_OUT_COPY, anon.start, ip, &anon);
	ev.time_ns = kernel_now_ns();
	snprintf(ev.comm, sizeof(ev.comm), "%s", self->comm);
	procs_event(&t, &ev, &a);
	report(a.site.symbol && !strcmp(a.site.symbol, "cw_writer_function"),
	       "attached gone: its parent's map names the code (%s in %s)",
	       a.site.symbol ? a.site.symbol : "-", a.site.dso);
	ev = event(other, COWWATCH_OUT_COPY, anon.start, ip, &anon);
	ev.time_ns = kernel_now_ns();
	snprintf(ev.comm, sizeof(ev.comm), "other-program");
	procs_event(&t, &ev, &a);
	report(!a.site.symbol && !strcmp(a.site.dso, "[unknown]"),
	       "attached gone: another program's name borrows nothing (%s)", a.site.dso);
	procs_free(&t);
}

/*
 * The code site of the last event is kept for the next from the same ip,
 * but only while the map snapshot is the same: code mapped anew at the
 * same address (an exec, a JIT region turned into a file mapping) is named
 * from the snapshot read since.
 */
static void test_site_kept_per_snapshot(void)
{
	const pid_t self = getpid();
	struct map_entry region = { .start = 0x100000, .end = 0x101000 };
	struct proc_table t;
	struct attribution a;
	struct cw_event ev;
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int fd = open("/proc/self/exe", O_RDONLY);
	char *code = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t ip = (uint64_t)(uintptr_t)code + 16;

	report(procs_init(&t) == 0 && fd >= 0 && len > 0 && code != MAP_FAILED, "site kept: set up");
	if (fd < 0 || len <= 0 || code == MAP_FAILED)
		return;
	exe[len] = '\0';
	procs_add(&t, self);
	procs_read_added(&t);
	ev = event(self, COWWATCH_OUT_COPY, region.start, ip, &region);
	procs_event(&t, &ev, &a);
	report(!strcmp(a.site.dso, "[anon]"), "site kept: code in an anonymous mapping (%s)", a.site.dso);
	procs_event(&t, &ev, &a);
	report(!strcmp(a.site.dso, "[anon]"), "site kept: the same again (%s)", a.site.dso);
	/* The same address now maps this program's file; the map is read again. */
	report(mmap(code, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, fd, 0) == code,
	       "site kept: a file mapped over the code");
	procs_exec(&t, self);
	procs_event(&t, &ev, &a);
	report(!strcmp(a.site.dso, exe), "site kept: the new snapshot names the file (%s)", a.site.dso);
	munmap(code, 4096);
	close(fd);
	procs_free(&t);
}

/*
 * Interned names: one copy per distinct name, found again through every
 * growth of the index (64 slots doubled to 8192), names that differ in a
 * last byte, by length, or past the first eight bytes told apart.
 */
static void test_interned_names(void)
{
	static const char *const pairs[][2] = {
		{ "/usr/lib/libfoo.so.1", "/usr/lib/libfoo.so.2" },
		{ "[anon]", "[anon]x" },
		{ "abcdefgh", "abcdefgi" },
		{ "", "x" },
	};
	const char *first[5000];
	struct proc_table t;
	char path[64];
	int bad = 0;

	report(procs_init(&t) == 0, "names: table created");
	for (int i = 0; i < 5000; i++) {
		snprintf(path, sizeof(path), "/srv/data/shard-%d.bin", i);
		first[i] = procs_file(&t, 0x1c, (uint64_t)i + 1, path);
		bad += !first[i] || strcmp(first[i], path);
	}
	for (int i = 0; i < 5000; i++) {
		snprintf(path, sizeof(path), "/srv/data/shard-%d.bin", i);
		bad += procs_file(&t, 0x1d, (uint64_t)i + 1, path) != first[i];
	}
	report(!bad && t.nnames == 5000, "names: 5000 paths each kept once, found again (%d wrong, %zu kept)",
	       bad, t.nnames);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const char *a = procs_file(&t, 0x1e, 100000 + 2 * i, pairs[i][0]);
		const char *b = procs_file(&t, 0x1e, 100001 + 2 * i, pairs[i][1]);

		report(a != b && !strcmp(a, pairs[i][0]) && !strcmp(b, pairs[i][1]) &&
		       procs_file(&t, 0x1f, 100000 + 2 * i, pairs[i][0]) == a,
		       "names: '%s' and '%s' apart", pairs[i][0], pairs[i][1]);
	}
	procs_free(&t);
}

int main(void)
{
	const pid_t self = getpid(), child = 0x7ffffff0;	/* a pid no process has */
	uint64_t ip = (uint64_t)(uintptr_t)&cw_writer_function + 1;
	char *anon = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *heap = malloc(64);
	const struct map_entry *anon_e, *heap_e, *exe_e;
	struct proc_table t;
	struct cw_event ev;
	struct cw_exit ex = { .pid = child };
	struct maps m;
	struct proc *p, *c, **sorted;
	const char *first_region;
	size_t n;

	test_interned_names();
	report(procs_init(&t) == 0, "table created");
	report(maps_read_pid(self, &m) == 0, "own maps read");
	anon_e = maps_find(&m, (uint64_t)(uintptr_t)anon);
	heap_e = maps_find(&m, (uint64_t)(uintptr_t)heap);
	exe_e = maps_find(&m, ip);
	report(anon_e && heap_e && exe_e, "test regions found in own maps");
	if (!anon_e || !heap_e || !exe_e)
		return 1;

	/* The parent copies 3 anonymous pages and 1 malloc'd page, reuses 2. */
	for (int i = 0; i < 3; i++) {
		ev = event(self, COWWATCH_OUT_COPY, anon_e->start + 4096 * i, ip, anon_e);
		procs_event(&t, &ev, NULL);
	}
	ev = event(self, COWWATCH_OUT_COPY, heap_e->start, ip, heap_e);
	procs_event(&t, &ev, NULL);
	for (int i = 0; i < 2; i++) {
		ev = event(self, COWWATCH_OUT_REUSE, anon_e->start, ip, anon_e);
		procs_event(&t, &ev, NULL);
	}
	p = procs_find(&t, self);
	report(p && p->ev_counts[COWWATCH_OUT_COPY] == 4 && p->ev_counts[COWWATCH_OUT_REUSE] == 2,
	       "parent: 4 copies, 2 reuses");
	report(p && proc_copied_bytes(p) == 4 * 4096, "parent: copied bytes count copies only");
	if (p)
		proc_sort_details(p);
	report(p && p->nregions == 2 && !strcmp(p->regions[0].name, "[anon]") &&
	       p->regions[0].pages == 3 && p->regions[0].start == anon_e->start,
	       "parent: first region [anon] with 3 pages (%s)", p && p->nregions ? p->regions[0].name : "-");
	/* malloc's region is [heap], or valgrind's own arena when run under it. */
	report(p && p->nregions == 2 && !strcmp(p->regions[1].name, map_entry_name(heap_e)) &&
	       p->regions[1].pages == 1, "parent: second region, malloc's (%s), 1 page",
	       p && p->nregions > 1 ? p->regions[1].name : "-");
	report(p && p->nsites == 1 && p->sites[0].symbol &&
	       !strcmp(p->sites[0].symbol, "cw_writer_function") && p->sites[0].pages == 4,
	       "parent: one code site, cw_writer_function, 4 pages");

	/* A child that is never seen in /proc: named from the inherited snapshot. */
	procs_fork(&t, self, child, "kid");
	ev = event(child, COWWATCH_OUT_COPY, exe_e->start, ip, exe_e);
	ev.outcome = COWWATCH_OUT_FILE;
	procs_event(&t, &ev, NULL);
	ev = event(child, COWWATCH_OUT_ZERO, anon_e->start, 0, anon_e);
	procs_event(&t, &ev, NULL);
	c = procs_find(&t, child);
	if (c)
		proc_sort_details(c);
	report(c && c->ppid == self, "child: parent known from the fork");
	first_region = (c && c->nregions) ? c->regions[0].name : "-";
	report(c && c->nregions == 2 && !strcmp(first_region, exe_e->path),
	       "child: file region named by path without /proc (%s)", first_region);
	report(c && c->nsites == 2 && c->sites[0].symbol && !strcmp(c->sites[0].symbol, "cw_writer_function"),
	       "child: code site resolved without /proc");
	report(c && c->nsites == 2 && !strcmp(c->sites[1].dso, "[unknown]") && !c->sites[1].symbol,
	       "child: ip 0 is an unknown site");

	/* Its exit counters say 5 file copies: 4 events were lost. */
	ex.counts[COWWATCH_OUT_FILE] = 5;
	ex.counts[COWWATCH_OUT_ZERO] = 1;
	procs_exit(&t, &ex);
	report(c && proc_counts(c)[COWWATCH_OUT_FILE] == 5, "child: exit counters win over events");
	report(c && proc_copied_bytes(c) == 6 * 4096, "child: lost copies counted in bytes (%llu)",
	       c ? (unsigned long long)proc_copied_bytes(c) : 0ULL);

	sorted = procs_sorted(&t, &n);
	report(sorted && n == 2 && sorted[0] == c && sorted[1] == p, "sorted by copied bytes");
	free(sorted);

	/* The child's pid is reused by a later fork: a new process, a new account. */
	procs_fork(&t, self, child, "kid2");
	p = procs_find(&t, child);
	report(p && p != c && !p->exited && !strcmp(p->comm, "kid2"),
	       "reused pid: a new process, not the exited one");
	ev = event(child, COWWATCH_OUT_COPY, anon_e->start, ip, anon_e);
	procs_event(&t, &ev, NULL);
	report(p && p->ev_counts[COWWATCH_OUT_COPY] == 1 && proc_counts(p)[COWWATCH_OUT_FILE] == 0 &&
	       p->nregions == 1 && !strcmp(p->regions[0].name, "[anon]"),
	       "reused pid: its own counts and regions, named from its parent's map");
	report(c && c->exited && proc_counts(c)[COWWATCH_OUT_FILE] == 5 && c->ev_counts[COWWATCH_OUT_COPY] == 0,
	       "reused pid: the exited process's account is unchanged");
	sorted = procs_sorted(&t, &n);
	report(sorted && n == 3, "reused pid: three processes in the report (%zu)", n);
	free(sorted);

	maps_free(&m);
	munmap(anon, 16 * 4096);
	free(heap);
	procs_free(&t);
	test_late_regions(ip);
	test_kernel_names(ip);
	test_one_row_per_region(ip);
	test_process_name(ip);
	test_count_records(ip);
	test_attached_gone(ip);
	test_site_kept_per_snapshot();
	test_exec_ahead(ip);
	test_fork_reads_child(ip);
	test_attach_reads_after(ip, false);
	test_attach_reads_after(ip, true);
	test_stat_fields();
	test_proc_paths();
	test_timens_offset();
	return unit_done();
}
