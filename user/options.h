/* SPDX-License-Identifier: GPL-2.0 */
/* The reader's command line. */
#ifndef COWWATCH_OPTIONS_H
#define COWWATCH_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct options {
	double interval;	/* seconds between live refreshes */
	double duration;	/* seconds to watch; 0: until the tree exits */
	bool json;		/* NDJSON on stdout instead of tables */
	bool events;		/* also every event */
	bool stacks;		/* --stacks: call chains of the copies */
	bool follow;		/* watch descendants too (not with --no-follow) */
	int top;		/* rows in tables */
	const char *output;	/* write there instead of stdout; NULL: stdout */
	const char *folded;	/* --folded: folded stacks of the copies go there */
	const char *trace;	/* --trace: the time line (Trace Event Format) goes there */
	const char *recording;	/* cowwatch report: the NDJSON recording to read */
	pid_t pid;		/* PID mode: the process to watch */
	char **command;		/* command mode: argv of the command to start */
};

enum options_result {
	OPTIONS_RUN,		/* watch as @opts says */
	OPTIONS_EXIT_OK,	/* --help or --version was answered */
	OPTIONS_USAGE,		/* bad command line: a message was printed */
};

/*
 * Parses argv into @opts; messages go to @out (help, version) and @err
 * (errors, one line plus the usage line).
 */
enum options_result options_parse(int argc, char **argv, struct options *opts,
				  FILE *out, FILE *err);

#endif /* COWWATCH_OPTIONS_H */
