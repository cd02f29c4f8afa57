// SPDX-License-Identifier: GPL-2.0
/*
 * cowwatch: shows who breaks copy-on-write sharing, live.
 *
 * Entry point: parses the command line, then watches. Watching comes with
 * the kernel module's netlink protocol (kmod/uapi/cowwatch.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "options.h"

int main(int argc, char **argv)
{
	struct options opts;

	switch (options_parse(argc, argv, &opts, stdout, stderr)) {
	case OPTIONS_EXIT_OK:
		return EXIT_SUCCESS;
	case OPTIONS_USAGE:
		return 2;
	case OPTIONS_RUN:
		break;
	}
	fprintf(stderr, "cowwatch: watching is not implemented yet in this build\n");
	return 2;
}
