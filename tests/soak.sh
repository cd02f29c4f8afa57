#!/bin/bash
# make soak: the soak (tests/guest/soak.sh) for SOAK_S seconds (default 600)
# and the netlink fuzzer for NLFUZZ_COUNT requests per socket (default
# 20000) on every supported kernel, one guest per kernel. SOAK_SEED=S
# replays a seed. "N passed, M failed" at the end; status 0 only if all passed.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src" || exit 1
. tests/lib/kernels.sh
soak_s=${SOAK_S:-600}
count=${NLFUZZ_COUNT:-20000}
if ! [[ "$soak_s" =~ ^[1-9][0-9]*$ ]] || ! [[ "$count" =~ ^[1-9][0-9]*$ ]]; then
	echo "soak: SOAK_S and NLFUZZ_COUNT are whole numbers" >&2
	exit 2
fi
envs=(--env "SOAK_S=$soak_s" --env "NLFUZZ_COUNT=$count")
[ -n "${SOAK_SEED:-}" ] && envs+=(--env "SOAK_SEED=$SOAK_SEED")
verdicts=$(mktemp)
trap 'rm -f "$verdicts"' EXIT
for s in $SUPPORTED_KERNELS; do
	echo "== kernel $s: soak ${soak_s}s, fuzzer $count requests per socket"
	tests/lib/prepare-kernels.sh "$s" >/dev/null || { echo "FAIL [$s] kernel not ready" | tee -a "$verdicts"; continue; }
	kver=$(kernel_release "$s") || { echo "FAIL [$s] kernel not ready" | tee -a "$verdicts"; continue; }
	make -s KVER="$kver" test-build || { echo "FAIL [$s] build" | tee -a "$verdicts"; continue; }
	# The soak's own limit grows with it; the fuzzer's by the count.
	tests/guest.sh --kernel "$s" --no-build --verdicts "$verdicts" "${envs[@]}" \
		--test-timeout $((soak_s * 2 + 300 + count / 20)) tests/guest/soak.sh tests/guest/nl_fuzz.sh
done
pass=$(grep -c '^PASS' "$verdicts")
fail=$(grep -c '^FAIL' "$verdicts")
echo "soak: $pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
