/* SPDX-License-Identifier: GPL-2.0 */
/* Copying names: the kernel's and /proc's, into fixed-size fields. */
#ifndef COWWATCH_STR_H
#define COWWATCH_STR_H

#include <stddef.h>
#include <string.h>

/*
 * Copies the name @src into @dst of @size bytes, cut to fit and always
 * terminated, reading no more than @size - 1 bytes of @src (a forged
 * netlink record's name need not end): what snprintf(dst, size, "%.*s",
 * size - 1, src) does, without a format to parse. That parse was 630
 * instructions of each --events record's decoding (callgrind).
 */
static inline void str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = 0;
}

#endif /* COWWATCH_STR_H */
