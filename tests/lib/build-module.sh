#!/bin/bash
# build-module.sh KVER OUTDIR [KBUILD-VARIABLES...]
# Builds cowwatch.ko for kernel KVER out of place, in OUTDIR (a copy of the
# Kbuild tree), so modules for several kernels and variants coexist: the
# module is OUTDIR/kmod/cowwatch.ko, and OUTDIR/cowwatch.ko links to it.
# Builds with W=1 and sparse (C=1) and fails on any warning: the module must
# stay warning free on every supported kernel. Bookworm's kernels build
# against /lib/modules/KVER/build on the host; sid's (7.2) inside the sid
# chroot (tests/lib/sid-kernel.sh run), whose gcc its headers need; the
# debug kernel against its build tree (tests/debug/build-kernel.sh). Fails,
# too, if sparse did not check every file (7.2's Makefile turns C=1 off
# with no more than a notice when its checker test fails).
set -euo pipefail
kver=$1 out=$2
shift 2
src=$(cd "$(dirname "$0")/../.." && pwd)
kdir=/lib/modules/$kver/build
if [ -e "$kdir/Makefile" ]; then
	run=()
elif [ -e "$src/build/kernels/$kver/modules/build/Makefile" ]; then
	# the debug kernel's build tree (tests/debug/build-kernel.sh)
	kdir=$src/build/kernels/$kver/modules/build
	run=()
elif [ -e "$src/build/sid-chroot/usr/src/linux-headers-$kver/Makefile" ]; then
	run=("$src/tests/lib/sid-kernel.sh" run)
else
	echo "build-module: no headers for $kver at $kdir, nor in the sid chroot (make kernels)" >&2
	exit 1
fi

mkdir -p "$out/kmod/uapi"
cp -p "$src/Kbuild" "$out/"
cp -p "$src"/kmod/Kbuild "$src"/kmod/*.[ch] "$out/kmod/"
cp -p "$src"/kmod/uapi/*.h "$out/kmod/uapi/"
out=$(cd "$out" && pwd)
if [ ${#run[@]} -gt 0 ]; then
	case "$out/" in
	"$src"/*) ;;
	*) echo "build-module: for $kver OUTDIR must lie in $src (the sid chroot sees only that tree)" >&2; exit 1 ;;
	esac
fi
log=$out/build.log
if ! "${run[@]}" make -C "$kdir" M="$out" W=1 C=1 "$@" modules >"$log" 2>&1; then
	cat "$log" >&2
	exit 1
fi
if grep -E 'warning:|error:|not available or not up to date' "$log" >&2; then
	echo "build-module: compiler or sparse warnings for $kver (full log: $log)" >&2
	exit 1
fi
for c in "$src"/kmod/*.c; do
	c=kmod/$(basename "$c")
	grep -q "CHECK .*$c\$" "$log" && continue
	grep -q "CC \[M\] .*${c%.c}.o\$" "$log" || continue	# up to date: not rebuilt
	echo "build-module: sparse did not check $c for $kver (full log: $log)" >&2
	exit 1
done
ln -sfn kmod/cowwatch.ko "$out/cowwatch.ko"
