/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cowwatch report REC: a recording made with --json --events -o REC, read
 * back into the table a live run keeps (procs.c, offline: nothing from
 * /proc), then reported as the live run would have: the summary (text, or
 * --json), --folded, --trace. Neither the module nor root is needed.
 */
#ifndef COWWATCH_REPLAY_H
#define COWWATCH_REPLAY_H

#include "options.h"

/* Reads o->recording; returns cowwatch's exit status. */
int replay_run(const struct options *o);

#endif /* COWWATCH_REPLAY_H */
