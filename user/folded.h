/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --folded FILE: the copies as folded stacks (Brendan Gregg's format, read
 * by flamegraph.pl, inferno and speedscope), one line per distinct stack:
 *   COMM;REGION;CODE COUNT
 * COMM the process's name, REGION the memory region it copied, CODE the
 * function that wrote (with --stacks, its call chain, outermost first:
 * main;...;caller;function), COUNT the pages copied (copy, zero, file,
 * ksm outcomes).
 * Processes of one name are summed; lines are sorted by stack.
 */
#ifndef COWWATCH_FOLDED_H
#define COWWATCH_FOLDED_H

#include <stdio.h>

#include "procs.h"

/*
 * "[CALLERS;]CODE" of one path, frames as the folded lines write them
 * (the summary's top stacks); malloc'd, NULL if out of memory.
 */
char *folded_code(const struct path_stat *ps);
/* Writes @t's copies to @out; returns 0, or -errno (out of memory, write error). */
int folded_write(FILE *out, const struct proc_table *t);

#endif /* COWWATCH_FOLDED_H */
