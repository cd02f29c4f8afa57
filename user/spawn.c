// SPDX-License-Identifier: GPL-2.0
/* Starting a command held before exec. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void close_pair(int p[2])
{
	close(p[0]);
	close(p[1]);
}

/* In the child: wait for the go, then exec; report a failed exec's errno. */
static void __attribute__((noreturn)) child(char *const argv[], int go, int err)
{
	char byte = 0;
	int e;

	/* The parent may have set SIGINT/SIGTERM handling up; the command gets the defaults. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	while (read(go, &byte, 1) < 0 && errno == EINTR)
		;
	/* EOF instead of the byte: the parent gave up on us. */
	if (byte != 'g')
		_exit(127);
	close(go);
	execvp(argv[0], argv);
	e = errno;
	if (write(err, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

int spawn_held(char *const argv[], struct spawned *c)
{
	int go[2], err[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(err, O_CLOEXEC)) {
		int e = errno;

		close_pair(go);
		return -e;
	}
	/* Unwritten stdio buffers would otherwise be written twice. */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close_pair(go);
		close_pair(err);
		return -e;
	}
	if (pid == 0) {
		close(go[1]);
		close(err[0]);
		child(argv, go[0], err[1]);
	}
	close(go[0]);
	close(err[1]);
	c->pid = pid;
	c->go_fd = go[1];
	c->err_fd = err[0];
	return 0;
}

int spawn_release(struct spawned *c)
{
	int e = 0;
	ssize_t n;

	n = write(c->go_fd, "g", 1);
	close(c->go_fd);
	c->go_fd = -1;
	if (n != 1) {
		close(c->err_fd);
		c->err_fd = -1;
		return -EPIPE;
	}
	do {
		n = read(c->err_fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(c->err_fd);
	c->err_fd = -1;
	if (n == (ssize_t)sizeof(e))
		return -e;
	return 0;
}

void spawn_abort(struct spawned *c)
{
	if (c->go_fd >= 0)
		close(c->go_fd);	/* the child reads EOF and exits 127 */
	if (c->err_fd >= 0)
		close(c->err_fd);
	c->go_fd = c->err_fd = -1;
	while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int exit_code_of(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}
