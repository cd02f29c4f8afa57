// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the reader's command line (user/options.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "unit.h"

/* The end of parse()'s word list: a null pointer of the type va_arg reads. */
#define END ((char *)NULL)


/*
 * Parses the NULL-terminated words; returns the result, fills @o and @err.
 * argv outlives the call, as main's does: o->command points into it.
 */
static enum options_result parse(struct options *o, char *errbuf, size_t errlen, ...)
{
	static char *argv[32] = { "cowwatch" };
	int argc = 1;
	va_list ap;
	char *w;
	FILE *out = fopen("/dev/null", "w");
	FILE *err = fmemopen(errbuf, errlen, "w");
	enum options_result r;

	va_start(ap, errlen);
	while ((w = va_arg(ap, char *)) && argc < 31)
		argv[argc++] = w;
	va_end(ap);
	argv[argc] = NULL;
	memset(errbuf, 0, errlen);
	r = options_parse(argc, argv, o, out, err);
	fclose(out);
	fclose(err);
	return r;
}

int main(void)
{
	char err[512];
	struct options o;

	report(parse(&o, err, sizeof(err), "1234", END) == OPTIONS_RUN && o.pid == 1234 &&
	       !o.command && o.follow && o.interval == 1 && o.top == 10 && !o.json && o.duration == 0,
	       "PID with defaults");
	report(parse(&o, err, sizeof(err), "-i", "0.5", "-d", "30", "--json", "--events", "--top", "3",
		     "--no-follow", "-o", "out.json", "42", END) == OPTIONS_RUN &&
	       o.interval == 0.5 && o.duration == 30 && o.json && o.events && o.top == 3 &&
	       !o.follow && o.output && !strcmp(o.output, "out.json") && o.pid == 42,
	       "every option");
	report(parse(&o, err, sizeof(err), "--json", "--", "python3", "-c", "x", END) == OPTIONS_RUN &&
	       o.pid == 0 && o.command && !strcmp(o.command[0], "python3") &&
	       !strcmp(o.command[1], "-c") && !strcmp(o.command[2], "x") && !o.command[3],
	       "command mode keeps the command's own options");
	report(parse(&o, err, sizeof(err), "-o", "--", "7", END) == OPTIONS_RUN && o.pid == 7 &&
	       !o.command && !strcmp(o.output, "--"), "\"--\" as the value of -o is not a command");
	report(parse(&o, err, sizeof(err), "--", END) == OPTIONS_USAGE && strstr(err, "no command"),
	       "-- without a command: %s", err);
	report(parse(&o, err, sizeof(err), END) == OPTIONS_USAGE && strstr(err, "usage: cowwatch"),
	       "nothing to watch: %s", err);
	report(parse(&o, err, sizeof(err), "12x", END) == OPTIONS_USAGE && strstr(err, "not a process id"),
	       "bad PID: %s", err);
	report(parse(&o, err, sizeof(err), "0", END) == OPTIONS_USAGE, "PID 0 refused");
	report(parse(&o, err, sizeof(err), "-5", END) == OPTIONS_USAGE, "negative PID refused");
	report(parse(&o, err, sizeof(err), "99999999999", END) == OPTIONS_USAGE, "PID too large refused");
	report(parse(&o, err, sizeof(err), "1", "2", END) == OPTIONS_USAGE && strstr(err, "one PID"),
	       "two PIDs: %s", err);
	report(parse(&o, err, sizeof(err), "-i", "0", "1", END) == OPTIONS_USAGE && strstr(err, "interval"),
	       "interval 0: %s", err);
	report(parse(&o, err, sizeof(err), "-i", "nan", "1", END) == OPTIONS_USAGE, "interval nan refused");
	report(parse(&o, err, sizeof(err), "-d", "-1", "1", END) == OPTIONS_USAGE, "negative duration refused");
	report(parse(&o, err, sizeof(err), "--top", "0", "1", END) == OPTIONS_USAGE, "--top 0 refused");
	report(parse(&o, err, sizeof(err), "-d", END) == OPTIONS_USAGE && strstr(err, "needs a value"),
	       "missing value: %s", err);
	report(parse(&o, err, sizeof(err), "--frobnicate", "1", END) == OPTIONS_USAGE &&
	       strstr(err, "unknown option") && strstr(err, "--frobnicate"), "unknown option: %s", err);
	report(parse(&o, err, sizeof(err), "--folded", "f.txt", "--trace", "t.json", "9", END) ==
	       OPTIONS_RUN && o.pid == 9 && !strcmp(o.folded, "f.txt") && !strcmp(o.trace, "t.json") &&
	       !o.recording, "--folded and --trace with a PID");
	report(parse(&o, err, sizeof(err), "report", "--json", "--top", "3", "-o", "s.json", "--folded",
		     "f", "--trace", "t", "-i", "0.5", "rec.ndjson", END) == OPTIONS_RUN &&
	       !strcmp(o.recording, "rec.ndjson") && o.json && o.top == 3 && !strcmp(o.output, "s.json") &&
	       !strcmp(o.folded, "f") && !strcmp(o.trace, "t") && o.interval == 0.5 && !o.pid &&
	       !o.command, "report with its options");
	report(parse(&o, err, sizeof(err), "report", END) == OPTIONS_USAGE &&
	       strstr(err, "no recording"), "report without a recording: %s", err);
	report(parse(&o, err, sizeof(err), "report", "a", "b", END) == OPTIONS_USAGE &&
	       strstr(err, "one recording only"), "report of two recordings: %s", err);
	report(parse(&o, err, sizeof(err), "report", "--events", "a", END) == OPTIONS_USAGE &&
	       strstr(err, "not an option of cowwatch report") && strstr(err, "--events"),
	       "report --events: %s", err);
	report(parse(&o, err, sizeof(err), "report", "-d", "5", "a", END) == OPTIONS_USAGE &&
	       strstr(err, "'-d'"), "report -d: %s", err);
	report(parse(&o, err, sizeof(err), "report", "--no-follow", "a", END) == OPTIONS_USAGE,
	       "report --no-follow refused");
	report(parse(&o, err, sizeof(err), "--", "report", "x", END) == OPTIONS_RUN && o.command &&
	       !strcmp(o.command[0], "report") && !o.recording, "-- report: a command named report");
	report(parse(&o, err, sizeof(err), "--help", END) == OPTIONS_EXIT_OK, "--help");
	report(parse(&o, err, sizeof(err), "-V", END) == OPTIONS_EXIT_OK, "-V");
	return unit_done();
}
