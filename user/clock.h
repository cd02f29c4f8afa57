/* SPDX-License-Identifier: GPL-2.0 */
/* The module's clock, as the reader sees it. */
#ifndef COWWATCH_CLOCK_H
#define COWWATCH_CLOCK_H

#include <stdint.h>

/*
 * Now, on the clock the module stamps events with (ktime_get_ns(), the
 * initial time namespace's CLOCK_MONOTONIC), even when the reader runs in
 * a time namespace of its own.
 */
uint64_t kernel_now_ns(void);

/*
 * The offset of this process's time namespace from @path (the format of
 * /proc/self/timens_offsets), in ns; 0 when there is none.
 */
int64_t timens_monotonic_offset(const char *path);

#endif /* COWWATCH_CLOCK_H */
