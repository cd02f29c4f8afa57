// SPDX-License-Identifier: GPL-2.0
/* JSON string escaping. */
#include "json.h"

#include <stddef.h>

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

/* Writes the character at @s escaped; returns how many bytes it took. */
static size_t escape_one(FILE *out, const unsigned char *s)
{
	size_t n = utf8_len(s);

	if (n == 0) {
		fputs("\\ufffd", out);
		return 1;
	}
	if (n > 1) {
		fwrite(s, 1, n, out);
		return n;
	}
	switch (*s) {
	case '"':
		fputs("\\\"", out);
		break;
	case '\\':
		fputs("\\\\", out);
		break;
	case '\n':
		fputs("\\n", out);
		break;
	case '\t':
		fputs("\\t", out);
		break;
	default:
		fprintf(out, "\\u%04x", *s);
	}
	return 1;
}

/*
 * Runs of plain characters go out with one fwrite(): names and paths are
 * mostly nothing else, and a reader of --events writes several per event.
 * Unlocked: the reader is one thread, and the stream's lock cost more than
 * the copy.
 */
void json_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc_unlocked('"', out);
	while (*s) {
		const unsigned char *run = s;

		while (plain(*s))
			s++;
		if (s > run)
			fwrite_unlocked(run, 1, (size_t)(s - run), out);
		if (*s)
			s += escape_one(out, s);
	}
	fputc_unlocked('"', out);
}
