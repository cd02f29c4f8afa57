// SPDX-License-Identifier: GPL-2.0
/*
 * cowwatch: shows who breaks copy-on-write sharing, live.
 *
 * Entry point: parses the command line and runs the watch (session.c), or
 * reports a recording (cowwatch report, replay.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "options.h"
#include "replay.h"
#include "session.h"

int main(int argc, char **argv)
{
	struct options opts;

	switch (options_parse(argc, argv, &opts, stdout, stderr)) {
	case OPTIONS_EXIT_OK:
		return EXIT_SUCCESS;
	case OPTIONS_USAGE:
		return EXIT_USAGE;
	case OPTIONS_RUN:
		break;
	}
	return opts.recording ? replay_run(&opts) : session_run(&opts);
}
