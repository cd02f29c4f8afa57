// SPDX-License-Identifier: GPL-2.0
/* Parsing the reader's command line. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "uapi/cowwatch.h"

#define USAGE_LINE "usage: cowwatch [options] PID | cowwatch [options] -- COMMAND [ARGS...] | cowwatch report [options] FILE\n"

static void help(FILE *out)
{
	fprintf(out,
		"usage: cowwatch [options] PID\n"
		"       cowwatch [options] -- COMMAND [ARGS...]\n"
		"       cowwatch report [--json] [--top N] [-o FILE] [--folded FILE] [--trace FILE] [-i SECS] REC\n"
		"\n"
		"Shows which processes break copy-on-write sharing: every page a watched\n"
		"process copies, zero-fills or reuses on a write fault, attributed to the\n"
		"process, the memory region and the code that wrote. Watches PID (or the\n"
		"started COMMAND) and every process it forks, until they have all exited,\n"
		"the duration ends, or SIGINT/SIGTERM; then prints a summary.\n"
		"Needs the cowwatch kernel module (modprobe cowwatch, or insmod cowwatch.ko).\n"
		"\n"
		"  -i, --interval SECS  refresh the live view every SECS seconds (default 1)\n"
		"  -d, --duration SECS  stop watching after SECS seconds\n"
		"      --json           write NDJSON records instead of tables\n"
		"      --events         also write every event (with --json: one record each)\n"
		"      --stacks         the writing thread's call chain of each copy: in --folded\n"
		"                       and, with --events, in each event (costs a stack copy\n"
		"                       per copy; see the manual)\n"
		"  -o, --output FILE    write to FILE instead of standard output\n"
		"      --top N          rows in tables (default 10)\n"
		"      --no-follow      watch only the given process, not its descendants\n"
		"      --folded FILE    write the copies as folded stacks to FILE (flame graphs)\n"
		"      --trace FILE     write a time line to FILE (Perfetto, chrome://tracing);\n"
		"                       copies per interval of -i SECS\n"
		"  -h, --help           show this help and exit\n"
		"  -V, --version        show the version and exit\n"
		"\n"
		"In command mode cowwatch exits with COMMAND's exit status (128+N if it\n"
		"was killed by signal N). COMMAND writes to cowwatch's own standard output\n"
		"and error; each record of cowwatch goes out whole, in one write, but for\n"
		"JSON use -o FILE to keep the stream to cowwatch's records alone.\n"
		"\n"
		"cowwatch report REC reads REC, a recording made with --json --events -o REC,\n"
		"and prints its summary (--json: as JSON), folded stacks (--folded) or time\n"
		"line (--trace), as the live run would have; it needs neither the module nor\n"
		"root.\n");
}

static void version(FILE *out)
{
	fprintf(out, "cowwatch %s (netlink protocol %d, family \"%s\")\n",
		COWWATCH_RELEASE, COWWATCH_GENL_VERSION, COWWATCH_GENL_NAME);
}

/* A positive number of seconds, at most a year. */
static int parse_seconds(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(*v) || *v <= 0 || *v > 366 * 86400.0)
		return -EINVAL;
	return 0;
}

static int parse_positive_int(const char *s, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	if (errno || end == s || *end || *v <= 0 || *v > max)
		return -EINVAL;
	return 0;
}

enum { OPT_JSON = 256, OPT_EVENTS, OPT_TOP, OPT_NO_FOLLOW, OPT_FOLDED, OPT_TRACE, OPT_STACKS };

static enum options_result bad(FILE *err, const char *what, const char *arg)
{
	fprintf(err, "cowwatch: %s: '%s'\n" USAGE_LINE, what, arg);
	return OPTIONS_USAGE;
}

/* cowwatch report [options] REC: one recording, and no option of a watch. */
static enum options_result report_operands(int argc, char **argv, struct options *opts,
					   FILE *err, const char *watch_only)
{
	if (watch_only)
		return bad(err, "not an option of cowwatch report", watch_only);
	if (optind >= argc) {
		fprintf(err, "cowwatch: report: no recording given\n" USAGE_LINE);
		return OPTIONS_USAGE;
	}
	if (optind + 1 < argc)
		return bad(err, "report: one recording only", argv[optind + 1]);
	opts->recording = argv[optind];
	return OPTIONS_RUN;
}

enum options_result options_parse(int argc, char **argv, struct options *opts,
				  FILE *out, FILE *err)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "events", no_argument, NULL, OPT_EVENTS },
		{ "stacks", no_argument, NULL, OPT_STACKS },
		{ "output", required_argument, NULL, 'o' },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "no-follow", no_argument, NULL, OPT_NO_FOLLOW },
		{ "folded", required_argument, NULL, OPT_FOLDED },
		{ "trace", required_argument, NULL, OPT_TRACE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *last_optarg = NULL, *watch_only = NULL;
	bool report = argc > 1 && !strcmp(argv[1], "report");
	long n;
	int opt;

	*opts = (struct options){ .interval = 1, .follow = true, .top = 10 };
	opterr = 0;
	optind = report ? 2 : 1;
	while ((opt = getopt_long(argc, argv, "+:i:d:o:hV", longopts, NULL)) != -1) {
		last_optarg = optarg;
		switch (opt) {
		case 'i':
			if (parse_seconds(optarg, &opts->interval))
				return bad(err, "bad interval (seconds > 0)", optarg);
			break;
		case 'd':
			if (parse_seconds(optarg, &opts->duration))
				return bad(err, "bad duration (seconds > 0)", optarg);
			watch_only = "-d";
			break;
		case 'o':
			opts->output = optarg;
			break;
		case OPT_JSON:
			opts->json = true;
			break;
		case OPT_EVENTS:
			opts->events = true;
			watch_only = "--events";
			break;
		case OPT_STACKS:
			opts->stacks = true;
			watch_only = "--stacks";
			break;
		case OPT_TOP:
			if (parse_positive_int(optarg, 100000, &n))
				return bad(err, "bad --top (a count from 1)", optarg);
			opts->top = (int)n;
			break;
		case OPT_NO_FOLLOW:
			opts->follow = false;
			watch_only = "--no-follow";
			break;
		case OPT_FOLDED:
			opts->folded = optarg;
			break;
		case OPT_TRACE:
			opts->trace = optarg;
			break;
		case 'h':
			help(out);
			return OPTIONS_EXIT_OK;
		case 'V':
			version(out);
			return OPTIONS_EXIT_OK;
		case ':':
			return bad(err, "option needs a value", argv[optind - 1]);
		default:
			return bad(err, "unknown option", argv[optind - 1]);
		}
	}

	if (report)
		return report_operands(argc, argv, opts, err, watch_only);
	/*
	 * getopt stops at "--" and skips it: what follows is the command
	 * (unless that "--" was the value of an option, as in -o --).
	 */
	if (optind > 1 && !strcmp(argv[optind - 1], "--") &&
	    argv[optind - 1] != last_optarg) {
		if (optind >= argc)
			return bad(err, "no command after", "--");
		opts->command = &argv[optind];
		return OPTIONS_RUN;
	}
	if (optind >= argc) {
		fprintf(err, "cowwatch: no PID and no command given\n" USAGE_LINE);
		return OPTIONS_USAGE;
	}
	if (optind + 1 < argc)
		return bad(err, "one PID only; to start a command put -- before it", argv[optind + 1]);
	if (parse_positive_int(argv[optind], INT_MAX, &n))
		return bad(err, "not a process id", argv[optind]);
	opts->pid = (pid_t)n;
	return OPTIONS_RUN;
}
