#!/bin/bash
# hang-dump.sh: what the guest's user processes are doing, printed by the
# guest's init (tests/lib/guest-init) into a test's output a few seconds
# before the test's time runs out, so that a hang seen once in CI can be
# told apart afterwards: a process waiting (its state, wchan and kernel
# stack), one looping in the kernel (state R, system time growing, the
# stack where it last slept) or in user space, and the memory left.
# One line per process: the tail of a test's output is what the host shows.
# Bash builtins only past the first line: under TCG each exec from the 9p
# root takes a good part of a second, and the dump has 3 s. It never prints
# the kernel's own splat words (tests/guest.sh SPLAT_RE): no backtrace of
# a running CPU, which would read as a kernel fault.
set -u
ticks=$(getconf CLK_TCK 2>/dev/null || echo 100)

# meminfo_line: the memory left and what THP allocation and reclaim did.
meminfo_line() {
	local k v _ line="hang-dump: load"
	read -r k v _ </proc/loadavg
	line+=" $k $v;"
	while read -r k v _; do
		case $k in
		MemFree: | MemAvailable: | AnonHugePages: | Shmem:) line+=" $k $v kB;" ;;
		esac
	done </proc/meminfo
	while read -r k v; do
		case $k in
		thp_fault_alloc | thp_fault_fallback | compact_stall | allocstall_normal | oom_kill)
			line+=" $k $v;" ;;
		esac
	done </proc/vmstat
	echo "$line"
}

# proc_line DIR: one user process, or nothing for a kernel thread.
proc_line() {
	local d=$1 cmdline='' stat rest comm state utime stime wchan='?' syscall='?' frames=() stack='' f
	read -r -d '' cmdline <"$d/cmdline" 2>/dev/null
	[ -n "$cmdline" ] || return 0	# kernel threads have no command line
	read -r stat <"$d/stat" 2>/dev/null || return 0
	# Past the command name (which may hold spaces): state is field 3, utime 14, stime 15.
	rest=${stat##*) }
	comm=${stat#*(}
	comm=${comm%) *}
	read -r state _ _ _ _ _ _ _ _ _ _ utime stime _ <<<"$rest"
	read -r wchan <"$d/wchan" 2>/dev/null
	read -r syscall _ <"$d/syscall" 2>/dev/null
	mapfile -t -n 6 frames <"$d/stack" 2>/dev/null
	for f in "${frames[@]}"; do
		f=${f#*] }
		stack+="${stack:+<}${f%%+*}"
	done
	echo "hang-dump: pid=${d#/proc/} comm=$comm state=$state" \
		"user=$((utime * 1000 / ticks))ms sys=$((stime * 1000 / ticks))ms" \
		"wchan=${wchan:-?} syscall=${syscall:-?} stack=${stack:-?}"
}

meminfo_line
for d in /proc/[0-9]*; do
	[ "${d#/proc/}" = 1 ] || [ "${d#/proc/}" = $$ ] || proc_line "$d"
done
