// SPDX-License-Identifier: GPL-2.0
/* The module's clock, as the reader sees it. */
#include "clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t timens_monotonic_offset(const char *path)
{
	long long sec, nsec;
	char clock[32], line[128];
	int64_t offset = 0;
	FILE *f = fopen(path, "re");

	/* No file: a kernel without time namespaces, so no offset either. */
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %lld %lld", clock, &sec, &nsec) == 3 &&
		    (!strcmp(clock, "monotonic") || !strcmp(clock, "1"))) {
			offset = (int64_t)sec * 1000000000LL + nsec;
			break;
		}
	}
	fclose(f);
	return offset;
}

uint64_t kernel_now_ns(void)
{
	static int64_t offset;
	static int offset_known;
	struct timespec ts;

	if (!offset_known) {
		offset = timens_monotonic_offset("/proc/self/timens_offsets");
		offset_known = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec - offset);
}
