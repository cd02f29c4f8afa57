// SPDX-License-Identifier: GPL-2.0
/*
 * exit0: a static program without libc that exits with status 0. In the
 * guest an unprivileged process cannot open files of the 9p root, not even
 * the dynamic loader, so this is what it can exec.
 */
void _start(void);

void _start(void)
{
	__asm__ volatile("mov $60, %eax\n\txor %edi, %edi\n\tsyscall");
	__builtin_unreachable();
}
