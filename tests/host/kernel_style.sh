#!/bin/bash
# Kernel code style: every file of the module, and the benchmark's floor
# module (tests/bench/kprobe-floor), passes checkpatch.pl --strict with
# nothing to report. (W=1 and sparse cleanliness are enforced by every
# module build, tests/lib/build-module.sh.)
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
cd "$SRC" || exit 1
files=(kmod/*.c kmod/*.h kmod/uapi/*.h tests/bench/kprobe-floor/*.c)
bad=0
for f in "${files[@]}"; do
	[ -e "$f" ] || continue
	report=$(tests/lib/checkpatch.sh "$f" 2>&1)
	if [ $? -eq 0 ] && ! grep -qE ': (ERROR|WARNING|CHECK):' <<<"$report"; then
		echo "ok: $f"
	else
		echo "not ok: $f"
		sed 's/^/    | /' <<<"$report"
		bad=1
	fi
done
exit $bad
