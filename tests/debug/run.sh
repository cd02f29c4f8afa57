#!/bin/bash
# make check-debug: every guest test, the soak (SOAK_S, default 120 s) and
# the fuzzer on the debug kernel (tests/debug/build-kernel.sh: Debian's 6.12
# source with KASAN, KMEMLEAK, PROVE_LOCKING, DEBUG_ATOMIC_SLEEP,
# DEBUG_LIST, DEBUG_OBJECTS_RCU_HEAD, UBSAN, KFENCE, DEBUG_VM), then the
# leak check (tests/debug/kmemleak.sh). Any KASAN, UBSAN, lockdep, list or
# debug-objects report fails the test it came in (the harness reads the
# console; the guest boots with panic_on_warn=1). Limits are 4 times the
# tests' own: the checkers make the guest several times slower. The module
# is loaded with maxactive=4096: that slowness keeps more write faults in
# flight at once than the default 256 return-probe instances track
# (reader_scale's 1000 workers let go at once lost a few: the reader warns
# of such misses, README "Troubleshooting"). The soak's jobs get 600 s past
# a phase's end, not 60: a pressure job, swapping in its memory cgroup,
# took longer than a minute there.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
cd "$src" || exit 1
tests/debug/build-kernel.sh || exit 1
. tests/lib/kernels.sh
kver=$(kernel_release 6.12-debug) || { echo "check-debug: no debug kernel" >&2; exit 1; }
make -s KVER="$kver" test-build || exit 1
verdicts=$(mktemp)
trap 'rm -f "$verdicts"' EXIT
start=$(date +%s)
tests/guest.sh --kernel 6.12-debug --no-build --timeout-factor 4 --verdicts "$verdicts" \
	--env "SOAK_S=${SOAK_S:-120}" --env "SOAK_GRACE=600" --env "COWWATCH_MODULE_EXTRA=maxactive=4096" \
	tests/guest/*.sh tests/debug/kmemleak.sh
pass=$(grep -c '^PASS' "$verdicts")
fail=$(grep -c '^FAIL' "$verdicts")
echo "check-debug: $pass passed, $fail failed on $kver in $(( $(date +%s) - start )) s"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
