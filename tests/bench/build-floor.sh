#!/bin/bash
# build-floor.sh KVER OUTDIR
# Builds the benchmark's bare counting kprobe (tests/bench/kprobe-floor/,
# mode kprobe-floor) for kernel KVER out of place, in OUTDIR, as
# OUTDIR/cw_kprobe_floor.ko. The same way tests/lib/build-module.sh builds
# cowwatch.ko: W=1 and sparse (C=1), failing on any warning; bookworm's
# kernels against /lib/modules/KVER/build on the host, sid's (7.2) inside
# the sid chroot (tests/lib/sid-kernel.sh run), so OUTDIR must then lie in
# this tree.
set -euo pipefail
kver=$1 out=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
kdir=/lib/modules/$kver/build
if [ -e "$kdir/Makefile" ]; then
	run=()
elif [ -e "$src/build/sid-chroot/usr/src/linux-headers-$kver/Makefile" ]; then
	run=("$src/tests/lib/sid-kernel.sh" run)
else
	echo "build-floor: no headers for $kver at $kdir, nor in the sid chroot (make kernels)" >&2
	exit 1
fi

mkdir -p "$out"
cp -p "$src"/tests/bench/kprobe-floor/Kbuild "$src"/tests/bench/kprobe-floor/*.c "$out/"
out=$(cd "$out" && pwd)
if [ ${#run[@]} -gt 0 ]; then
	case "$out/" in
	"$src"/*) ;;
	*) echo "build-floor: for $kver OUTDIR must lie in $src (the sid chroot sees only that tree)" >&2; exit 1 ;;
	esac
fi
log=$out/build.log
if ! "${run[@]}" make -C "$kdir" M="$out" W=1 C=1 modules >"$log" 2>&1; then
	cat "$log" >&2
	exit 1
fi
if grep -E 'warning:|error:|not available or not up to date' "$log" >&2; then
	echo "build-floor: compiler or sparse warnings for $kver (full log: $log)" >&2
	exit 1
fi
if grep -q 'CC \[M\] .*cw_kprobe_floor.o$' "$log" && ! grep -q 'CHECK .*cw_kprobe_floor.c$' "$log"; then
	echo "build-floor: sparse did not check cw_kprobe_floor.c for $kver (full log: $log)" >&2
	exit 1
fi
[ -e "$out/cw_kprobe_floor.ko" ] || { echo "build-floor: no $out/cw_kprobe_floor.ko" >&2; exit 1; }
