/* SPDX-License-Identifier: GPL-2.0 */
/* Arrays that grow by doubling: the reader's tables of processes, regions, sites. */
#ifndef COWWATCH_ARRAY_H
#define COWWATCH_ARRAY_H

#include <stddef.h>

/*
 * Room for one more element after @count in @items, which has room for
 * *@cap elements of @size bytes: @items itself when it has room, else the
 * array moved to twice the room (@first when empty), *@cap updated.
 * NULL when memory runs out; @items and *@cap are then as they were.
 */
void *array_grow(void *items, size_t *cap, size_t count, size_t size, size_t first);

#endif /* COWWATCH_ARRAY_H */
