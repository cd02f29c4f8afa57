// SPDX-License-Identifier: GPL-2.0
/* Call chains from a register and stack sample, with libdwfl (see unwind.h). */
#include "unwind.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdwfl.h>

struct unwinder {
	Dwfl *dwfl;
	pid_t pid;
	bool attached;
	const struct unwind_sample *sample;	/* the one being unwound */
	uint64_t *pcs;
	int npcs, max;
};

static char *debuginfo_path;

static const Dwfl_Callbacks callbacks = {
	/* By path, as the map names them (or /proc/PID/map_files while it lives). */
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

/* The snapshot as /proc/PID/maps text, which libdwfl reads modules from. */
static int report_maps(Dwfl *dwfl, const struct maps *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int err;

	if (!f)
		return -errno;
	for (size_t i = 0; i < m->count; i++) {
		const struct map_entry *e = &m->entries[i];

		fprintf(f, "%" PRIx64 "-%" PRIx64 " %s %08" PRIx64 " %02x:%02x %" PRIu64 " %s\n",
			e->start, e->end, e->perms, e->offset, e->dev_major, e->dev_minor, e->ino,
			e->path ? e->path : "");
	}
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	f = fmemopen(text, len ? len : 1, "r");
	if (!f) {
		free(text);
		return -errno;
	}
	dwfl_report_begin(dwfl);
	err = dwfl_linux_proc_maps_report(dwfl, f);
	dwfl_report_end(dwfl, NULL, NULL);
	fclose(f);
	free(text);
	return err ? -EINVAL : 0;
}

struct unwinder *unwinder_new(pid_t pid, const struct maps *m)
{
	struct unwinder *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->pid = pid;
	u->dwfl = dwfl_begin(&callbacks);
	if (!u->dwfl || report_maps(u->dwfl, m)) {
		unwinder_free(u);
		return NULL;
	}
	return u;
}

void unwinder_free(struct unwinder *u)
{
	if (!u)
		return;
	if (u->dwfl)
		dwfl_end(u->dwfl);
	free(u);
}

/* One thread: the sampled one. */
static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct unwinder *u = arg;

	(void)dwfl;
	if (*thread_argp)
		return 0;
	*thread_argp = u;
	return u->pid;
}

/* Stack reads come from the sample alone. */
static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	const struct unwind_sample *s = ((struct unwinder *)arg)->sample;

	(void)dwfl;
	if (!s || addr < s->stack_addr || addr - s->stack_addr > s->stack_len ||
	    s->stack_len - (addr - s->stack_addr) < sizeof(*result))
		return false;
	memcpy(result, s->stack + (addr - s->stack_addr), sizeof(*result));
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	const struct unwind_sample *s = ((struct unwinder *)arg)->sample;
	Dwarf_Word regs[CW_UNWIND_REGS];

	for (int i = 0; i < CW_UNWIND_REGS; i++)
		regs[i] = s->regs[i];
	dwfl_thread_state_register_pc(thread, regs[CW_UNWIND_RIP]);
	/* rax..rsp, r8..r15: DWARF 0-15. */
	return dwfl_thread_state_registers(thread, 0, CW_UNWIND_RIP, regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static int frame_cb(Dwfl_Frame *frame, void *arg)
{
	struct unwinder *u = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	/* Past the first: a return address, which points after its call. */
	u->pcs[u->npcs++] = pc;
	return u->npcs < u->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

int unwinder_run(struct unwinder *u, const struct unwind_sample *s, uint64_t *pcs, int max)
{
	if (max < 1)
		return -EINVAL;
	u->sample = s;
	u->pcs = pcs;
	u->npcs = 0;
	u->max = max;
	if (!u->attached) {
		/* The machine (x86-64) from the modules' ELF: no process to ask. */
		if (!dwfl_attach_state(u->dwfl, NULL, u->pid, &thread_callbacks, u))
			return -ENOEXEC;
		u->attached = true;
	}
	/* Ends with an error where the chain stops (no CFI, outside the sample). */
	dwfl_getthread_frames(u->dwfl, u->pid, frame_cb, u);
	u->sample = NULL;
	if (!u->npcs) {
		pcs[0] = s->regs[CW_UNWIND_RIP];
		u->npcs = 1;
	}
	return u->npcs;
}
