#!/bin/bash
# run.sh: every test on every supported kernel (what `make check` runs).
#   unit tests   tests/unit/*.sh, on the host, no kernel involved
#   kernels      each supported kernel prepared (tests/lib/prepare-kernels.sh:
#                bookworm's 6.1 and 6.12 linked, sid's 7.2 from its chroot and
#                packages, asking the mirror for a newer upload)
#   builds       the module for each supported kernel (W=1, sparse: no warnings)
#   guest tests  tests/guest/*.sh, in a qemu guest of each supported kernel
#   host tests   tests/host/*.sh (harness self-test, kernel code style)
# One line per test and kernel, then "N passed, M failed". A kernel that is
# not installed or cannot be prepared (sid offers no 7.2, the mirror cannot
# be reached and nothing is cached), or whose guest tests did not all
# report, counts as failed:
# nothing is skipped silently. Exit status 0 only when nothing failed.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
cd "$SRC" || exit 1
. tests/lib/kernels.sh

mkdir -p build
rm -rf build/runs
verdicts=build/verdicts
: >"$verdicts"

record() { # record PASS|FAIL NAME [DETAIL]
	echo "$1 $2${3:+ ($3)}"
	echo "$1 $2" >>"$verdicts"
}

run_host_test() { # run_host_test SCRIPT
	local out start rc
	start=$(date +%s)
	out=$("$1" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		record PASS "$1" "$(($(date +%s) - start))s"
	else
		record FAIL "$1" "exit $rc"
		sed 's/^/    | /' <<<"$out"
	fi
}

echo "== building the reader and the test workloads"
if make -s -C user >build/user.log 2>&1 && make -s -C tests/workloads >>build/user.log 2>&1; then
	record PASS "build user/cowwatch and tests/workloads"
else
	record FAIL "build user/cowwatch and tests/workloads"
	sed 's/^/    | /' build/user.log
fi

if make -s -C tests/bin >build/test-bin.log 2>&1; then
	record PASS "build tests/bin"
else
	record FAIL "build tests/bin"
	sed 's/^/    | /' build/test-bin.log
fi

echo "== unit tests"
for t in tests/unit/*.sh; do run_host_test "$t"; done

# A test marked "# guest-boot: own" runs in a boot of its own, after the
# others: cow_thp.sh on 6.12, run after a dozen tests in one boot, stalled a
# CPU for 20-95 s in some 1 run in 5 on a loaded host (a soft lockup in
# clear_page_erms in three of them, and once in CI), never in 18 runs as
# the first test of a boot nor in 7 without its compact_memory; the cause is
# not known yet (README: "A 6.12 guest's stall after other tests").
shared_tests=() own_tests=()
for t in tests/guest/*.sh; do
	if grep -q '^# guest-boot: own$' "$t"; then own_tests+=("$t"); else shared_tests+=("$t"); fi
done
guest_tests=("${shared_tests[@]}" "${own_tests[@]}")
for s in $SUPPORTED_KERNELS; do
	echo "== kernel $s"
	start=$(date +%s)
	if ! prep=$(tests/lib/prepare-kernels.sh "$s" 2>&1) || ! kver=$(kernel_release "$s") ||
		! kernel_ready "$s"; then
		why=$(grep -E '^(sid-kernel|kernels): ' <<<"$prep" | tail -n 1 | sed -E 's/^(sid-kernel|kernels): //')
		record FAIL "kernel $s" "${why:-$(kernel_not_ready_why "$s")}"
		sed 's/^/    | /' <<<"$prep"
		continue
	fi
	record PASS "[$s] prepare kernel $kver" "$(($(date +%s) - start))s"
	if tests/lib/build-module.sh "$kver" "build/$kver"; then
		record PASS "[$s] build kmod/cowwatch.ko for $kver (W=1, sparse)"
	else
		record FAIL "[$s] build kmod/cowwatch.ko for $kver"
		continue
	fi
	before=$(grep -c " $s " "$verdicts")
	tests/guest.sh --kernel "$s" --no-build --verdicts "$verdicts" "${shared_tests[@]}"
	for t in "${own_tests[@]}"; do
		tests/guest.sh --kernel "$s" --no-build --verdicts "$verdicts" "$t"
	done
	reported=$(($(grep -c " $s " "$verdicts") - before))
	if [ "$reported" -ne "${#guest_tests[@]}" ]; then
		record FAIL "[$s] guest tests" "only $reported of ${#guest_tests[@]} reported a verdict"
	fi
done

echo "== host tests"
for t in tests/host/*.sh; do run_host_test "$t"; done

passed=$(grep -c '^PASS' "$verdicts")
failed=$(grep -c '^FAIL' "$verdicts")
if [ "$failed" -gt 0 ]; then
	echo "failed:"
	grep '^FAIL' "$verdicts" | sed 's/^FAIL /  /'
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
