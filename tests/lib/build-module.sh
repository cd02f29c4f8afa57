#!/bin/bash
# build-module.sh KVER OUTDIR [KBUILD-VARIABLES...]
# Builds cowwatch.ko for kernel KVER out of place, in OUTDIR (a copy of the
# Kbuild tree), so modules for several kernels and variants coexist. Builds
# with W=1 and sparse (C=1) and fails on any warning: the module must stay warning
# free on every supported kernel.
set -euo pipefail
kver=$1 out=$2
shift 2
src=$(cd "$(dirname "$0")/../.." && pwd)
kdir=/lib/modules/$kver/build
[ -e "$kdir/Makefile" ] || { echo "build-module: no headers for $kver at $kdir" >&2; exit 1; }

mkdir -p "$out/kmod/uapi"
cp -p "$src/Kbuild" "$out/"
cp -p "$src"/kmod/Kbuild "$src"/kmod/*.[ch] "$out/kmod/"
cp -p "$src"/kmod/uapi/*.h "$out/kmod/uapi/"
log=$out/build.log
if ! make -C "$kdir" M="$(cd "$out" && pwd)" W=1 C=1 "$@" modules >"$log" 2>&1; then
	cat "$log" >&2
	exit 1
fi
if grep -E 'warning:|error:' "$log" >&2; then
	echo "build-module: compiler warnings for $kver (full log: $log)" >&2
	exit 1
fi
