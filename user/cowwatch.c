// SPDX-License-Identifier: GPL-2.0
/*
 * cowwatch: shows who breaks copy-on-write sharing, live.
 *
 * This is the command-line front end. Watching comes with the kernel
 * module's netlink protocol (kmod/uapi/cowwatch.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <libmnl/libmnl.h>

#include "uapi/cowwatch.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cowwatch [options] PID\n"
		"       cowwatch [options] -- COMMAND [ARGS...]\n"
		"\n"
		"Shows which processes break copy-on-write sharing, where and how.\n"
		"Needs the cowwatch kernel module: insmod kmod/cowwatch.ko\n"
		"\n"
		"  -h, --help      show this help and exit\n"
		"  -V, --version   show the version and exit\n");
}

static void version(void)
{
	printf("cowwatch %s (netlink protocol %d, family \"%s\")\n",
	       COWWATCH_RELEASE, COWWATCH_GENL_VERSION, COWWATCH_GENL_NAME);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "+hV", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			version();
			return EXIT_SUCCESS;
		default:
			fprintf(stderr, "usage: cowwatch [options] PID | -- COMMAND [ARGS...] (try --help)\n");
			return 2;
		}
	}
	fprintf(stderr, "cowwatch: watching is not implemented yet in this build (try --help)\n");
	return 2;
}
