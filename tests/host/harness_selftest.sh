#!/bin/bash
# The guest harness must be able to fail. On each supported kernel: a module
# variant that hits WARN_ON(1) at load fails its test (panic_on_warn ends the
# boot) while the next test still runs and passes, and the same test with the
# normal module passes. Once: a failed assertion, a test past its time limit
# and a hung guest are each reported FAIL, a guest stalled before its init
# is booted again and then failed, and a test outlives an orphaned process
# group's SIGHUP.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib/kernels.sh"
cd "$SRC" || exit 1

bad=0
check() { # check DESCRIPTION PATTERN OUTPUT
	if grep -qE -- "$2" <<<"$3"; then
		echo "ok: $1"
	else
		echo "not ok: $1: no line matching /$2/ in:"
		sed 's/^/    | /' <<<"$3"
		bad=1
	fi
}

for s in $SUPPORTED_KERNELS; do
	kver=$(kernel_release "$s") || { echo "not ok: kernel $s not installed"; bad=1; continue; }
	tests/lib/build-module.sh "$kver" "build/$kver-warn" COWWATCH_SELFTEST_WARN=y ||
		{ echo "not ok: WARN variant does not build for $kver"; bad=1; continue; }

	out=$(tests/guest.sh --kernel "$s" --module-dir "build/$kver-warn/kmod" \
		tests/harness/load_module.sh tests/harness/passes.sh 2>&1)
	rc=$?
	check "[$s] WARN variant: guest.sh exits non-zero" '^' "$( [ $rc -ne 0 ] && echo yes)"
	check "[$s] WARN variant: its test fails on the splat" \
		"^FAIL \[$s\] tests/harness/load_module.sh \(kernel splat" "$out"
	check "[$s] WARN variant: the splat is shown, naming cowwatch_init" \
		'WARNING: .*cowwatch_init|cowwatch_init.*WARNING|RIP: .*cowwatch_init' "$out"
	check "[$s] the test after the crash runs in a fresh boot and passes" \
		"^PASS \[$s\] tests/harness/passes.sh" "$out"

	out=$(tests/guest.sh --kernel "$s" tests/harness/load_module.sh 2>&1)
	check "[$s] control: the normal module passes the same test" \
		"^PASS \[$s\] tests/harness/load_module.sh" "$out"
done

s=${SUPPORTED_KERNELS##* }
out=$(tests/guest.sh --kernel "$s" tests/harness/fails.sh tests/harness/overruns.sh \
	tests/harness/passes.sh tests/harness/orphan_hup.sh 2>&1)
check "failed assertion is FAIL" "^FAIL \[$s\] tests/harness/fails.sh \(exit 1" "$out"
check "failed assertion's output is shown" "deliberately wrong product: got '42', expected '43'" "$out"
check "test past its limit is FAIL" "^FAIL \[$s\] tests/harness/overruns.sh \(timed out after 5s" "$out"
check "a timed-out test's output shows its sleeping process (tests/lib/hang-dump.sh)" \
	'hang-dump: pid=[0-9]+ comm=sleep state=S .*stack=[a-z_.0-9<]*nanosleep' "$out"
check "the guest goes on after a timed-out test" "^PASS \[$s\] tests/harness/passes.sh" "$out"
check "a test outlives an orphaned process group's SIGHUP" "^PASS \[$s\] tests/harness/orphan_hup.sh" "$out"

start=$(date +%s)
out=$(tests/guest.sh --kernel "$s" --qemu-timeout 40 tests/harness/hangs.sh 2>&1)
took=$(($(date +%s) - start))
check "hung guest is FAIL" "^FAIL \[$s\] tests/harness/hangs.sh \(guest hung" "$out"
check "hung guest is stopped by the hard limit (took ${took}s, limit 40s + build)" '^' \
	"$( [ "$took" -lt 100 ] && echo yes)"
# A boot that never reaches init (here: a stall limit of 1 s, too short for
# any boot) is killed, booted again twice, then every test is FAIL; no
# qemu is left running.
out=$(COWWATCH_BOOT_STALL_S=1 tests/guest.sh --kernel "$s" --no-build tests/harness/passes.sh 2>&1)
check "a stalled boot is booted again, twice" '^2$' "$(grep -c 'did not reach its init in 1s .*: booting again$' <<<"$out")"
check "three stalled boots fail the run" "^FAIL \[$s\] tests/harness/passes.sh \(the guest stalled while booting 3 times" "$out"
check "no qemu is left after a stalled boot" '^' \
	"$(pgrep -f "qemu-system-x86_64 .*build/runs/$s\." >/dev/null || echo yes)"
exit $bad
