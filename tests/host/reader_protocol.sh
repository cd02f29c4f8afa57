#!/bin/bash
# A reader and a module of different protocol versions must not talk: on
# each supported kernel, a module built to announce version 99 is refused
# by the reader with a clear error (tests/variants/reader_version.sh).
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib/kernels.sh"
cd "$SRC" || exit 1
bad=0
for s in $SUPPORTED_KERNELS; do
	kver=$(kernel_release "$s") || { echo "not ok: kernel $s not installed"; bad=1; continue; }
	if ! tests/lib/build-module.sh "$kver" "build/$kver-proto99" COWWATCH_SELFTEST_PROTO=99; then
		echo "not ok: [$s] protocol-99 variant does not build"
		bad=1
		continue
	fi
	if out=$(tests/guest.sh --kernel "$s" --no-build --module-dir "build/$kver-proto99/kmod" \
		tests/variants/reader_version.sh 2>&1); then
		echo "ok: [$s] the reader refuses a module of protocol 99"
	else
		echo "not ok: [$s] reader against a protocol-99 module"
		sed 's/^/    | /' <<<"$out"
		bad=1
	fi
done
exit $bad
