// SPDX-License-Identifier: GPL-2.0
/* Names and classes of fault outcomes. */
#include "event.h"

#include <stddef.h>

static const char *const outcome_names[__COWWATCH_OUT_MAX] = {
	[COWWATCH_OUT_COPY] = "copy",
	[COWWATCH_OUT_ZERO] = "zero",
	[COWWATCH_OUT_FILE] = "file",
	[COWWATCH_OUT_KSM] = "ksm",
	[COWWATCH_OUT_REUSE] = "reuse",
	[COWWATCH_OUT_SHARED] = "shared",
	[COWWATCH_OUT_RETRY] = "retry",
	[COWWATCH_OUT_ERROR] = "error",
	[COWWATCH_OUT_SPLIT] = "split",
};

const char *cw_outcome_name(uint32_t outcome)
{
	return outcome < __COWWATCH_OUT_MAX ? outcome_names[outcome] : NULL;
}

bool cw_outcome_copies(uint32_t outcome)
{
	switch (outcome) {
	case COWWATCH_OUT_COPY:
	case COWWATCH_OUT_ZERO:
	case COWWATCH_OUT_FILE:
	case COWWATCH_OUT_KSM:
		return true;
	default:
		return false;
	}
}
