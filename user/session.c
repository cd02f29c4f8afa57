// SPDX-License-Identifier: GPL-2.0
/* One run of cowwatch: arm the watch, follow the tree, report. */
#include "session.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "nl.h"
#include "procfs.h"
#include "procs.h"
#include "report.h"
#include "spawn.h"
#include "str.h"
#include "views.h"

/*
 * After the last watched process exited, how long the socket must stay
 * quiet before we stop: events still on their way. Longer while a process
 * that is gone has not had its EXIT: the module keeps an EXIT until our
 * socket has room, and offers it again every 20 ms.
 */
#define GRACE_NS 300000000ULL
#define EXIT_GRACE_NS 3000000000ULL

struct session {
	const struct options *opts;
	struct cw_nl nl;
	struct proc_table procs;
	struct report rep;
	struct views views;		/* --folded, --trace */
	size_t live;			/* watched processes not exited yet */
	size_t vanished;		/* of the others, gone without an EXIT yet */
	uint64_t last_msg_ns;		/* when the socket last had something */
	pid_t *unwatch;			/* forks to drop (--no-follow) */
	size_t nunwatch, cap_unwatch;
	int gone;			/* the module is unloading */
	pid_t target;			/* PID mode: the process watched */
	struct spawned child;
	int have_child, child_done, child_status;
	int stop_signal;
	bool have_missed;		/* missed_at_start was read */
	uint64_t missed_at_start;	/* the module's nmissed when we began */
	uint64_t stack_copies;		/* --stacks: copy events seen */
	uint64_t stack_missing;		/* of those, without a sample */
};

static void mark_live(struct session *s, struct proc *p)
{
	if (p && !p->live && !p->exited) {
		p->live = true;
		s->live++;
	}
}

static void on_event(void *ctx, const struct cw_event *ev)
{
	struct session *s = ctx;
	struct attribution a;
	struct proc *p;

	if (!s->opts->follow && ev->pid != s->target && !(s->have_child && ev->pid == s->child.pid))
		return;
	if (s->opts->stacks && cw_outcome_copies(ev->outcome)) {
		s->stack_copies++;
		if (!ev->stack)
			s->stack_missing++;
	}
	p = procs_event(&s->procs, ev, s->opts->events ? &a : NULL);
	views_fault(&s->views, p, ev);
	if (p && s->opts->events)
		report_event(&s->rep, p, ev, &a);
}

/* The default mode: counts the module kept, attributed like events. */
static void on_count(void *ctx, const struct cw_event *ev)
{
	struct session *s = ctx;

	if (!s->opts->follow && ev->pid != s->target && !(s->have_child && ev->pid == s->child.pid))
		return;
	views_fault(&s->views, procs_event(&s->procs, ev, NULL), ev);
}

static void on_file(void *ctx, uint32_t dev, uint64_t ino, const char *path)
{
	procs_file(&((struct session *)ctx)->procs, dev, ino, path);
}

static void on_exit_msg(void *ctx, const struct cw_exit *ex)
{
	struct session *s = ctx;
	struct proc *p = procs_find(&s->procs, ex->pid);

	if (!p && !s->opts->follow)
		return;
	procs_exit(&s->procs, ex);
	p = procs_find(&s->procs, ex->pid);
	if (!p)
		return;
	if (p->live) {
		p->live = false;
		s->live--;
	}
	if (p->vanished) {
		p->vanished = false;
		s->vanished--;
	}
	views_moment(&s->views, p, NULL, "exit", ex->time_ns, NULL);
	report_exit(&s->rep, p, ex);
}

static void on_fork(void *ctx, const struct cw_notice *n)
{
	struct session *s = ctx;
	struct proc *p;

	if (!s->opts->follow) {
		/* The module follows every fork; this reader does not want it. */
		pid_t *u = array_grow(s->unwatch, &s->cap_unwatch, s->nunwatch, sizeof(*u), 16);

		if (!u)
			return;
		s->unwatch = u;
		s->unwatch[s->nunwatch++] = n->pid;
		return;
	}
	procs_fork(&s->procs, n->ppid, n->pid, n->comm[0] ? n->comm : NULL);
	p = procs_find(&s->procs, n->pid);
	mark_live(s, p);
	views_moment(&s->views, p, procs_find(&s->procs, n->ppid), "fork", n->time_ns, NULL);
	if (p)
		report_moment(&s->rep, p, "fork", n->time_ns);
}

static void on_exec(void *ctx, const struct cw_notice *n)
{
	struct session *s = ctx;
	struct proc *p = procs_find(&s->procs, n->pid);

	if (!p)
		return;
	procs_exec(&s->procs, n->pid);
	if (n->comm[0])
		str_copy(p->comm, sizeof(p->comm), n->comm);
	views_moment(&s->views, p, NULL, "exec", n->time_ns, p->comm);
	report_moment(&s->rep, p, "exec", n->time_ns);
}

/*
 * A busy reader's backlog may hold the whole life of a short-lived
 * program: read its map at the first sight of its EXEC notice, while it
 * most likely still runs, not when its turn comes.
 */
static void on_exec_ahead(void *ctx, const struct cw_notice *n)
{
	struct session *s = ctx;

	if (s->opts->follow || procs_find(&s->procs, n->pid))
		procs_exec_ahead(&s->procs, n->pid);
}

static void on_gone(void *ctx)
{
	((struct session *)ctx)->gone = 1;
}

static const struct cw_handlers handlers = {
	.event = on_event, .count = on_count, .file = on_file, .exit = on_exit_msg, .gone = on_gone,
	.fork = on_fork, .exec = on_exec, .exec_ahead = on_exec_ahead,
};

/* Handles what waits on the socket. Returns as cw_nl_drain(). */
static int drain(struct session *s)
{
	int n = cw_nl_drain(&s->nl, &handlers, s);

	procs_ahead_clear(&s->procs);
	/* What this drain decoded goes out together, in whole records. */
	report_flush(&s->rep);
	return n;
}

static int watch_error(int err, pid_t pid)
{
	switch (err) {
	case -ESRCH:
		fprintf(stderr, "cowwatch: no such process: %d\n", (int)pid);
		return EXIT_NO_PROCESS;
	case -EPERM:
	case -EACCES:
		fprintf(stderr, "cowwatch: permission denied watching process %d: run as root "
			"(CAP_SYS_ADMIN) or as the process's own user (ptrace access)\n", (int)pid);
		return EXIT_PERMISSION;
	case -EBUSY:
		fprintf(stderr, "cowwatch: process %d has as many readers as the module allows\n",
			(int)pid);
		return EXIT_FAILURE_OTHER;
	default:
		fprintf(stderr, "cowwatch: cannot watch process %d: %s\n", (int)pid, strerror(-err));
		return EXIT_FAILURE_OTHER;
	}
}

/*
 * Events only when they are printed (--events) or carry stacks (--stacks):
 * otherwise the module counts in the kernel, which costs a fault far less.
 */
static uint32_t watch_flags(const struct session *s, uint32_t flags)
{
	if (s->opts->events || s->opts->stacks)
		flags |= COWWATCH_WATCH_EVENTS;
	if (s->opts->stacks)
		flags |= COWWATCH_WATCH_STACKS;
	return flags;
}

static int watch_one(struct session *s, pid_t pid, uint32_t flags)
{
	int err = cw_nl_watch(&s->nl, pid, watch_flags(s, flags), &handlers, s);

	if (!err)
		mark_live(s, procs_add(&s->procs, pid));
	return err;
}

/*
 * Reads the stat of @p, watched: its name and size for procs_read_added()
 * (procs_walked()), read after its WATCH so that a later exec is notified.
 */
static void walk_stat(struct proc *p)
{
	struct procfs_stat st;

	if (!procfs_read_stat(p->pid, &st))
		procs_walked(p, &st);
}

/* A descendant the module watched for us (cw_nl_watch_tree()). */
static void on_found(void *ctx, const struct cowwatch_found *f)
{
	struct session *s = ctx;
	struct procfs_stat st = { .ppid = (int)f->ppid, .vsize = f->vsize };
	struct proc *p = procs_add(&s->procs, (pid_t)f->pid);

	if (!p)
		return;
	mark_live(s, p);
	p->ppid = (pid_t)f->ppid;
	str_copy(st.comm, sizeof(st.comm), f->comm);
	procs_walked(p, &st);
}

/*
 * Watches @pid and the tree below it. The module finds the descendants
 * and lists them with the name and size the walk of /proc read before:
 * one request for some 256 processes, not a request and two /proc files
 * each (attach to a tree of 1000 took 82-86 ms of a 6.1 guest's time so).
 * @pid is added first: procs_read_added() reads a parent's map before its
 * children look for it.
 */
static int watch_tree(struct session *s, pid_t pid)
{
	struct proc *root = procs_add(&s->procs, pid);
	int err = cw_nl_watch_tree(&s->nl, pid, watch_flags(s, 0), on_found, s, &handlers, s);

	if (err || !root)
		return err;
	mark_live(s, root);
	walk_stat(root);
	return 0;
}

/*
 * --stacks: each copy brings some 8 KiB of stack, in a message of 16 KiB,
 * and the reader unwinds each: a burst of copies (a garbage collector
 * walking the heap) outruns it for a while. A buffer that holds some
 * 16,000 samples rides that out rather than dropping them.
 */
#define STACKS_RCVBUF (128 * 1024 * 1024)

static int open_module(struct session *s)
{
	int err = cw_nl_open(&s->nl, s->opts->stacks ? STACKS_RCVBUF : 0);

	if (!err)
		return 0;
	if (err == -ENOENT) {
		fprintf(stderr, "cowwatch: the cowwatch kernel module is not loaded "
			"(load it with: modprobe cowwatch, or insmod kmod/cowwatch.ko)\n");
		return EXIT_NO_MODULE;
	}
	if (err == -EPROTO) {
		fprintf(stderr, "cowwatch: the loaded cowwatch module speaks protocol %u, this "
			"cowwatch speaks %d: load the module built with this cowwatch\n",
			s->nl.family_version, COWWATCH_GENL_VERSION);
		return EXIT_PROTOCOL;
	}
	fprintf(stderr, "cowwatch: cannot talk to the kernel over generic netlink: %s\n",
		strerror(-err));
	return EXIT_FAILURE_OTHER;
}

/*
 * The process that @pid names: itself, or the process a thread of that id
 * belongs to (the module watches whole processes, and reports them by
 * their process id). Returns 0, -ESRCH, or -EINVAL for a kernel thread,
 * which has no user memory to watch. @st gets its /proc/PID/stat.
 */
static int resolve_target(pid_t pid, pid_t *tgid, struct procfs_stat *st)
{
	pid_t id;

	if (procfs_read_stat(pid, st))
		return -ESRCH;
	if (st->flags & PF_KTHREAD)
		return -EINVAL;
	id = procfs_tgid(pid);
	*tgid = id ? id : pid;
	return 0;
}

/*
 * The processes the watch started with (the target and, in PID mode, its
 * tree as found): a "watch" record each, so that a recording names every
 * process the summary will, even one that never faults (cowwatch report).
 */
static void record_watched(struct session *s)
{
	size_t n;
	struct proc **v = procs_sorted(&s->procs, &n);

	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		views_moment(&s->views, v[i], NULL, "watch", s->rep.start_ns, NULL);
		report_moment(&s->rep, v[i], "watch", s->rep.start_ns);
	}
	free(v);
	report_flush(&s->rep);
}

/* PID mode: the process named on the command line and, with --follow, its tree. */
static int start_pid(struct session *s)
{
	const struct options *o = s->opts;
	struct procfs_stat st = { .comm = "" };
	int err;

	s->target = o->pid;
	err = resolve_target(o->pid, &s->target, &st);
	if (err == -EINVAL) {
		fprintf(stderr, "cowwatch: process %d (%s) is a kernel thread: it has no user memory "
			"to watch\n", (int)o->pid, st.comm);
		return EXIT_NO_PROCESS;
	}
	if (!err && s->target != o->pid)
		fprintf(stderr, "cowwatch: %d is a thread of process %d (%s): watching process %d\n",
			(int)o->pid, (int)s->target, st.comm, (int)s->target);
	err = o->follow ? watch_tree(s, s->target) : watch_one(s, s->target, 0);
	if (err)
		return watch_error(err, s->target);
	procs_read_added(&s->procs);
	record_watched(s);
	return 0;
}

static int start(struct session *s)
{
	const struct options *o = s->opts;
	int err;

	if (!o->command)
		return start_pid(s);
	err = spawn_held(o->command, &s->child);
	if (err) {
		fprintf(stderr, "cowwatch: cannot start %s: %s\n", o->command[0], strerror(-err));
		return EXIT_FAILURE_OTHER;
	}
	s->have_child = 1;
	/* The command's account starts at its exec, not in our code before it. */
	err = watch_one(s, s->child.pid, COWWATCH_WATCH_FROM_EXEC);
	procs_read_added(&s->procs);
	if (err) {
		spawn_abort(&s->child);
		s->have_child = 0;
		return watch_error(err, s->child.pid);
	}
	record_watched(s);
	err = spawn_release(&s->child);
	if (err) {
		fprintf(stderr, "cowwatch: cannot run %s: %s\n", o->command[0], strerror(-err));
		waitpid(s->child.pid, NULL, 0);
		s->have_child = 0;
		return EXIT_EXEC_FAILED;
	}
	return 0;
}

static void reap_child(struct session *s, int flags)
{
	int status;

	if (!s->have_child || s->child_done)
		return;
	if (waitpid(s->child.pid, &status, flags) == s->child.pid) {
		s->child_done = 1;
		s->child_status = status;
	}
}

static void handle_signals(struct session *s, int sigfd)
{
	struct signalfd_siginfo si;

	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap_child(s, WNOHANG);
		else
			s->stop_signal = (int)si.ssi_signo;
	}
}

static void drop_unwanted(struct session *s)
{
	for (size_t i = 0; i < s->nunwatch; i++)
		cw_nl_unwatch(&s->nl, s->unwatch[i], &handlers, s);
	s->nunwatch = 0;
}

/*
 * A process whose EXIT notification is late (it waits in the module until
 * our socket has room) or lost (the module's backlog for us overflowed)
 * must not keep the watch open for ever: each refresh also asks the kernel
 * whether the live ones still exist. One that is gone counts as vanished
 * until its EXIT comes.
 */
static void check_liveness(struct session *s)
{
	for (size_t i = 0; i < sizeof(s->procs.buckets) / sizeof(s->procs.buckets[0]); i++) {
		for (struct proc *p = s->procs.buckets[i]; p; p = p->next) {
			if (p->live && kill(p->pid, 0) < 0 && errno == ESRCH) {
				p->live = false;
				s->live--;
				p->vanished = true;
				s->vanished++;
			}
		}
	}
}

static void totals(const struct session *s, uint64_t started, struct report_totals *t)
{
	t->now_ns = kernel_now_ns();
	t->duration_s = (double)(t->now_ns - started) / 1e9;
	t->lost_events = s->nl.stream.lost_events;
	/*
	 * The sequence gaps alone: a message the socket had no room for is one
	 * gap, and an overrun (ENOBUFS) is no count of messages: it may be a
	 * notification that waited in the module and came later.
	 */
	t->lost_messages = s->nl.stream.lost_messages;
}

/* Watches until the tree is done, the duration ends, a signal or the module goes. */
static void watch_loop(struct session *s, int sigfd)
{
	const struct options *o = s->opts;
	uint64_t started = s->rep.start_ns, interval = (uint64_t)(o->interval * 1e9);
	uint64_t next_tick = started + interval, last_tick = started, done_at = 0;
	uint64_t deadline = o->duration > 0 ? started + (uint64_t)(o->duration * 1e9) : 0;
	struct report_totals t;

	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = cw_nl_fd(&s->nl), .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
		};
		uint64_t now = kernel_now_ns(), wake = next_tick;
		int timeout;

		if (s->stop_signal || s->gone || (deadline && now >= deadline))
			break;
		if (!s->live) {
			uint64_t quiet_from, grace = s->vanished ? EXIT_GRACE_NS : GRACE_NS;

			if (!done_at)
				done_at = now;
			quiet_from = done_at > s->last_msg_ns ? done_at : s->last_msg_ns;
			if (now - quiet_from >= grace)
				break;
			wake = quiet_from + grace;
		}
		if (deadline && deadline < wake)
			wake = deadline;
		timeout = wake > now ? (int)((wake - now) / 1000000) + 1 : 0;
		if (poll(fds, 2, timeout) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			handle_signals(s, sigfd);
		if (fds[0].revents) {
			int n = drain(s);

			if (n < 0)
				break;
			if (n > 0)
				s->last_msg_ns = kernel_now_ns();
		}
		drop_unwanted(s);
		now = kernel_now_ns();
		if (now >= next_tick) {
			check_liveness(s);
			/* A GONE can miss a reader stopped through the unload: ask. */
			if (!s->gone && cw_nl_family_present(&s->nl, &handlers, s) == 0)
				s->gone = 1;
			totals(s, started, &t);
			report_live(&s->rep, &s->procs, &t, (double)(now - last_tick) / 1e9);
			report_flush(&s->rep);
			last_tick = now;
			next_tick = now + interval;
		}
	}
	/* What is already on the socket still counts. */
	drain(s);
}

/*
 * Faults the module's return probes missed while we watched: more write
 * faults in flight at once (tasks preempted or sleeping in do_wp_page, as
 * under memory pressure) than its maxactive instances. A missed fault is
 * in no count, not even an exit counter; the module cannot tell whose it
 * was. Counted for all processes, so it is an upper bound.
 */
static void note_missed(struct session *s)
{
	struct cw_stats st;

	s->have_missed = !cw_nl_stats(&s->nl, &st, &handlers, s);
	s->missed_at_start = s->have_missed ? st.nmissed : 0;
}

/* --stacks: copies that came without a sample (the module's buffer was full). */
static void warn_stackless(const struct session *s)
{
	if (!s->stack_missing)
		return;
	fprintf(stderr, "cowwatch: warning: %" PRIu64 " of %" PRIu64 " copies came without a call "
		"chain (the module's stack buffer was full, or a remote write); load the module "
		"with a larger stack_slots\n", s->stack_missing, s->stack_copies);
}

static void warn_missed(struct session *s)
{
	struct cw_stats st;

	if (!s->have_missed || s->gone || cw_nl_stats(&s->nl, &st, &handlers, s) ||
	    st.nmissed <= s->missed_at_start)
		return;
	fprintf(stderr, "cowwatch: warning: the module's probes missed %" PRIu64 " write faults "
		"(more in flight at once than its maxactive): counts may be short by up to that; "
		"load the module with a larger maxactive\n", st.nmissed - s->missed_at_start);
}

static int finish(struct session *s)
{
	struct report_totals t;
	uint64_t lost;
	int views_rc;

	totals(s, s->rep.start_ns, &t);
	report_summary(&s->rep, &s->procs, &t);
	report_flush(&s->rep);
	views_rc = views_close(&s->views, &s->procs);
	lost = t.lost_events;
	if (lost || t.lost_messages)
		fprintf(stderr, "cowwatch: warning: %" PRIu64 " events and %" PRIu64 " messages lost "
			"(per-process counts stay exact; the module's ring_size parameter sets its buffers)\n",
			lost, t.lost_messages);
	warn_missed(s);
	warn_stackless(s);
	if (s->gone)
		fprintf(stderr, "cowwatch: the cowwatch module was unloaded while watching\n");
	if (!s->have_child)
		return s->gone || views_rc ? EXIT_FAILURE_OTHER : 0;
	if (s->stop_signal && !s->child_done) {
		/* The command got the same Ctrl-C from the terminal: give it a moment. */
		for (int i = 0; i < 20 && !s->child_done; i++) {
			usleep(100000);
			reap_child(s, WNOHANG);
		}
	}
	if (s->child_done)
		return exit_code_of(s->child_status);
	return s->stop_signal ? 128 + s->stop_signal : 0;
}

int session_run(const struct options *opts)
{
	struct session s = { .opts = opts };
	sigset_t mask;
	int sigfd, rc;
	FILE *out = stdout;

	if (opts->output) {
		out = fopen(opts->output, "we");
		if (!out) {
			fprintf(stderr, "cowwatch: cannot write %s: %s\n", opts->output, strerror(errno));
			return EXIT_FAILURE_OTHER;
		}
	}
	s.rep = (struct report){ .json = opts->json, .tty = isatty(fileno(out)), .top = opts->top };
	if (report_open(&s.rep, out)) {
		fprintf(stderr, "cowwatch: out of memory\n");
		rc = EXIT_FAILURE_OTHER;
		goto out_file;
	}
	if (procs_init(&s.procs)) {
		fprintf(stderr, "cowwatch: out of memory\n");
		rc = EXIT_FAILURE_OTHER;
		goto out_report;
	}
	rc = views_open(&s.views, opts);
	if (rc) {
		procs_free(&s.procs);
		goto out_report;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	rc = open_module(&s);
	if (rc)
		goto out_procs;
	note_missed(&s);
	s.rep.start_ns = kernel_now_ns();
	rc = start(&s);
	if (rc == 0) {
		watch_loop(&s, sigfd);
		rc = finish(&s);
	}
	cw_nl_close(&s.nl);
out_procs:
	/* Written by finish(); a run that failed before leaves no files. */
	views_abandon(&s.views);
	if (sigfd >= 0)
		close(sigfd);
	free(s.unwatch);
	procs_free(&s.procs);
out_report:
	report_close(&s.rep);
out_file:
	if (out != stdout && fclose(out) && rc == 0)
		rc = EXIT_FAILURE_OTHER;
	return rc;
}
