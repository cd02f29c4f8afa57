// SPDX-License-Identifier: GPL-2.0
/* Growing arrays by doubling. */
#include "array.h"

#include <stdint.h>
#include <stdlib.h>

void *array_grow(void *items, size_t *cap, size_t count, size_t size, size_t first)
{
	size_t ncap;
	void *n;

	if (count < *cap)
		return items;
	ncap = *cap ? *cap * 2 : first;
	if (ncap < *cap || ncap > SIZE_MAX / size)
		return NULL;
	n = realloc(items, ncap * size);
	if (n)
		*cap = ncap;
	return n;
}
