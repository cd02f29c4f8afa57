/* SPDX-License-Identifier: GPL-2.0 */
/* Writing JSON strings: names from the kernel and /proc are arbitrary bytes. */
#ifndef COWWATCH_JSON_H
#define COWWATCH_JSON_H

#include <stdio.h>

/*
 * Writes @s as a quoted JSON string: quotes, backslashes and control
 * characters escaped, valid UTF-8 kept, each byte of invalid UTF-8
 * replaced by U+FFFD, so the output is always valid JSON.
 */
void json_string(FILE *out, const char *s);

#endif /* COWWATCH_JSON_H */
