// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/procs.c: attribution of synthesized events to
 * processes, regions and code. The events describe this test process's own
 * memory, so the ground truth (which region, which function) is known.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

	maps_free(&m);
	munmap(anon, 16 * 4096);
	free(heap);
	procs_free(&t);
	return unit_done();
}
