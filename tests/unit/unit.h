/* SPDX-License-Identifier: GPL-2.0 */
/* What the reader's C unit tests share: one line per check, a failure count. */
#ifndef COWWATCH_UNIT_H
#define COWWATCH_UNIT_H

#include <stdarg.h>
#include <stdio.h>

static int failures;

static void __attribute__((format(printf, 2, 3))) report(int ok, const char *fmt, ...)
{
	va_list ap;

	printf(ok ? "ok: " : "not ok: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		failures++;
}

/* main's last words: the count, and the exit status. */
static int unit_done(void)
{
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}

#endif /* COWWATCH_UNIT_H */
