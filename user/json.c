// SPDX-License-Identifier: GPL-2.0
/* JSON string escaping. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at @s, or 0 if it is not valid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and values past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* Printable ASCII that JSON takes as it is. */
static int plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

#define BYTES(c) (0x0101010101010101ULL * (c))

/* Some byte of @w is zero: exact as to whether, not as to which. */
static inline uint64_t zero_byte(uint64_t w)
{
	return (w - BYTES(1)) & ~w & BYTES(0x80);
}

/*
 * How many bytes of @s (of @len) JSON takes as they are, from the start.
 * Eight at a time while none needs a look of its own (a control
 * character, DEL, a quote, a backslash, or a byte of a UTF-8 sequence):
 * names and paths are mostly nothing else, and a byte at a time was most
 * of an --events line's cost (tests/unit/test_json_spawn.c checks both
 * paths alike).
 */
static size_t plain_run(const unsigned char *s, size_t len)
{
	size_t i = 0;

	for (; len - i >= 8; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, sizeof(w));
		if ((((w - BYTES(0x20)) & ~w) | w | zero_byte(w ^ BYTES('"')) |
		     zero_byte(w ^ BYTES('\\')) | zero_byte(w ^ BYTES(0x7f))) & BYTES(0x80))
			break;
	}
	while (i < len && plain(s[i]))
		i++;
	return i;
}

/*
 * The character at @s, escaped, into @esc; returns the length of that,
 * and sets *@used to the bytes of @s it stands for.
 */
static size_t escape_one(const unsigned char *s, char esc[8], size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = utf8_len(s);

	*used = n ? n : 1;
	if (n == 0) {
		memcpy(esc, "\\ufffd", 6);
		return 6;
	}
	if (n > 1) {
		memcpy(esc, s, n);
		return n;
	}
	esc[0] = '\\';
	switch (*s) {
	case '"':
	case '\\':
		esc[1] = (char)*s;
		return 2;
	case '\n':
		esc[1] = 'n';
		return 2;
	case '\t':
		esc[1] = 't';
		return 2;
	default:
		memcpy(esc + 1, "u00", 3);
		esc[4] = hex[*s >> 4];
		esc[5] = hex[*s & 0xf];
		return 6;
	}
}

/*
 * Runs of plain characters go out with one fwrite(): names and paths are
 * mostly nothing else. Unlocked: the reader is one thread, and the
 * stream's lock cost more than the copy.
 */
void json_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *end = s + strlen(str);
	char esc[8];
	size_t used;

	fputc_unlocked('"', out);
	while (s < end) {
		size_t run = plain_run(s, (size_t)(end - s));

		if (run)
			fwrite_unlocked(s, 1, run, out);
		s += run;
		if (s < end) {
			fwrite_unlocked(esc, 1, escape_one(s, esc, &used), out);
			s += used;
		}
	}
	fputc_unlocked('"', out);
}

bool json_buf_room(struct json_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 512;
	char *grown;

	if (b->failed)
		return false;
	while (cap - b->len < n)
		cap *= 2;
	grown = realloc(b->buf, cap);
	if (!grown) {
		b->failed = true;
		return false;
	}
	b->buf = grown;
	b->cap = cap;
	return true;
}

void json_buf_string(struct json_buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *end = s + strlen(str);
	char esc[8];
	size_t used;

	json_buf_putc(b, '"');
	while (s < end) {
		size_t run = plain_run(s, (size_t)(end - s));

		json_buf_put(b, (const char *)s, run);
		s += run;
		if (s < end) {
			json_buf_put(b, esc, escape_one(s, esc, &used));
			s += used;
		}
	}
	json_buf_putc(b, '"');
}

/* Two digits a lookup: addresses have fifteen. */
static const char digit_pairs[201] =
	"0001020304050607080910111213141516171819"
	"2021222324252627282930313233343536373839"
	"4041424344454647484950515253545556575859"
	"6061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* @v (below 10^8) as exactly eight digits at @out: 32-bit divisions only. */
static inline void eight_digits(char *out, uint32_t v)
{
	uint32_t hi = v / 10000, lo = v % 10000;

	memcpy(out, digit_pairs + 2 * (hi / 100), 2);
	memcpy(out + 2, digit_pairs + 2 * (hi % 100), 2);
	memcpy(out + 4, digit_pairs + 2 * (lo / 100), 2);
	memcpy(out + 6, digit_pairs + 2 * (lo % 100), 2);
}

/*
 * Eight digits a 64-bit division, the rest two at a time in 32 bits: an
 * --events line has ten numbers, five of them of 13-15 digits.
 */
void json_buf_u64(struct json_buf *b, uint64_t v)
{
	char digits[24];
	size_t i = sizeof(digits);
	uint32_t w;

	while (v >= 100000000) {
		i -= 8;
		eight_digits(digits + i, (uint32_t)(v % 100000000));
		v /= 100000000;
	}
	w = (uint32_t)v;
	while (w >= 100) {
		i -= 2;
		memcpy(digits + i, digit_pairs + 2 * (w % 100), 2);
		w /= 100;
	}
	if (w >= 10) {
		i -= 2;
		memcpy(digits + i, digit_pairs + 2 * w, 2);
	} else {
		digits[--i] = (char)('0' + w);
	}
	json_buf_put(b, digits + i, sizeof(digits) - i);
}

void json_buf_i64(struct json_buf *b, int64_t v)
{
	if (v < 0) {
		json_buf_putc(b, '-');
		json_buf_u64(b, -(uint64_t)v);
	} else {
		json_buf_u64(b, (uint64_t)v);
	}
}
