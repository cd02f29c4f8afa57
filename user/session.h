/* SPDX-License-Identifier: GPL-2.0 */
/* One run of cowwatch: watch a process tree until it is done, then report. */
#ifndef COWWATCH_SESSION_H
#define COWWATCH_SESSION_H

#include "options.h"

/* Exit statuses of cowwatch's own failures (command mode: the command's). */
enum {
	EXIT_FAILURE_OTHER = 1,
	EXIT_USAGE = 2,
	EXIT_NO_MODULE = 3,
	EXIT_PROTOCOL = 4,
	EXIT_NO_PROCESS = 5,
	EXIT_PERMISSION = 6,
	EXIT_EXEC_FAILED = 127,
};

/* Runs the watch the options describe; returns cowwatch's exit status. */
int session_run(const struct options *opts);

#endif /* COWWATCH_SESSION_H */
