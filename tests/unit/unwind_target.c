// SPDX-License-Identifier: GPL-2.0
/*
 * The unwinder's test target (tests/unit/test_unwind.c): main calls
 * cw_outer, cw_middle, cw_leaf, none inlined nor tail-called, and cw_leaf
 * stops itself. Built with CFI and no frame pointers, and with frame
 * pointers and no CFI of its own (user/Makefile).
 */
#include <signal.h>

#define KEEP() __asm__ volatile("" ::: "memory")

__attribute__((noinline)) void cw_leaf(void);
__attribute__((noinline)) void cw_middle(void);
__attribute__((noinline)) void cw_outer(void);

void cw_leaf(void)
{
	raise(SIGSTOP);
	KEEP();
}

void cw_middle(void)
{
	cw_leaf();
	KEEP();
}

void cw_outer(void)
{
	cw_middle();
	KEEP();
}

int main(void)
{
	cw_outer();
	KEEP();
	return 0;
}
