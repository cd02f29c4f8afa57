/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Starting the command of `cowwatch -- COMMAND`: the child is forked and
 * held before exec until the watch on it is armed, so no fault of the
 * command is missed.
 */
#ifndef COWWATCH_SPAWN_H
#define COWWATCH_SPAWN_H

#include <sys/types.h>

struct spawned {
	pid_t pid;
	int go_fd;	/* writing a byte lets the child exec */
	int err_fd;	/* the child's exec errno arrives here; EOF: exec'd */
};

/* Forks the child, held; returns 0 or -errno. */
int spawn_held(char *const argv[], struct spawned *c);
/* Lets it exec; returns 0 once it has, or -errno of the failed exec. */
int spawn_release(struct spawned *c);
/* Kills and reaps a child that will not be released. */
void spawn_abort(struct spawned *c);

/* A shell-style exit code from a wait status: the code, or 128 + signal. */
int exit_code_of(int wstatus);

#endif /* COWWATCH_SPAWN_H */
