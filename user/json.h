/* SPDX-License-Identifier: GPL-2.0 */
/* Writing JSON strings: names from the kernel and /proc are arbitrary bytes. */
#ifndef COWWATCH_JSON_H
#define COWWATCH_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * Writes @s as a quoted JSON string: quotes, backslashes and control
 * characters escaped, valid UTF-8 kept, each byte of invalid UTF-8
 * replaced by U+FFFD, so the output is always valid JSON.
 */
void json_string(FILE *out, const char *s);

/*
 * A record put together in memory, then handed on whole: an --events
 * reader writes some 25 pieces per event, and a stdio call per piece cost
 * more than the piece (report.c). Grown as needed; out of memory, it says
 * so (failed) and takes nothing more.
 */
struct json_buf {
	char *buf;
	size_t len, cap;
	bool failed;
};

/* Room for @n more bytes; false (and failed) if there is none to be had. */
bool json_buf_room(struct json_buf *b, size_t n);

static inline void json_buf_put(struct json_buf *b, const char *s, size_t n)
{
	if (b->cap - b->len < n && !json_buf_room(b, n))
		return;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
}

static inline void json_buf_putc(struct json_buf *b, char c)
{
	json_buf_put(b, &c, 1);
}

/* @s, a C string: its length is known when it is a literal. */
static inline void json_buf_str(struct json_buf *b, const char *s)
{
	json_buf_put(b, s, strlen(s));
}

/* In decimal, without printf's machinery. */
void json_buf_u64(struct json_buf *b, uint64_t v);
void json_buf_i64(struct json_buf *b, int64_t v);
/* @s quoted and escaped as json_string() writes it. */
void json_buf_string(struct json_buf *b, const char *s);

#endif /* COWWATCH_JSON_H */
