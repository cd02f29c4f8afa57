#!/bin/bash
# guest.sh --kernel SERIES [options] TEST...
#
# Boots the Debian kernel SERIES (6.1, 6.12, 7.2) under qemu, from
# build/kernels/KVER/vmlinuz with an initramfs made from its modules tree
# build/kernels/KVER/modules (prepared by `make kernels` or, when missing,
# here: see tests/lib/kernels.sh), loads nothing by itself, and runs each TEST (a bash script in this tree) inside the guest
# with the module and reader built for that kernel at hand:
#   COWWATCH_KO   the module built for the guest's kernel
#   COWWATCH_BIN  the reader, user/cowwatch
#   COWWATCH_SRC  this source tree (read-only), COWWATCH_KVER, COWWATCH_SERIES
#   RESULT_DIR    a writable directory whose files come back to the host
# A test passes when it exits 0 and the kernel log of its run holds no
# warning, BUG, Oops, panic, lockup, RCU stall or hung task. The verdict
# travels over a 9p share, not the console; the console is only read for
# kernel splats. The guest boots with panic_on_warn=1, so a splat ends the
# boot: the test that was running fails and the rest run in a fresh boot.
#
# Options:
#   --verdicts FILE     also append "PASS|FAIL SERIES TEST" lines to FILE
#   --no-build          do not (re)build the module and reader first
#   --module-dir DIR    take cowwatch.ko from DIR instead of build/KVER/kmod
#   --show-output       print each test's output after its verdict
#   --follow-output     print each test's output while it runs
#   --qemu-timeout S    hard limit for one boot (default: boot allowance plus
#                       the tests' own limits)
#   --test-timeout S    every test's time limit, in place of its own (make
#                       soak sets it from the soak's length)
#   --timeout-factor N  every test's limit times N (make check-debug: the
#                       debug kernel runs several times slower)
#   --env NAME=VALUE    exported to the tests (repeatable; SOAK_S, say)
#   --cpus N            guest CPUs (qemu -smp N, default 2; the benchmark
#                       also boots with 1)
#   --mttcg             one host thread per vCPU (qemu's multi-threaded TCG),
#                       for the benchmark's wall-clock boots only. By default
#                       all vCPUs share one host thread (-accel
#                       tcg,thread=single, taking turns between translated
#                       blocks): under qemu 7.2's MTTCG a vCPU that runs
#                       kernel text while another live-patches it (a static
#                       key, ftrace, a kprobe being armed) can jump to
#                       address 0. Seen on 7.2 at boot (sched_clock_cpu(),
#                       from ttwu_queue_wakelist(), 2 of about 10 boots on
#                       one CI machine) and on 6.12 while the module's probes
#                       were armed and disarmed (do_wp_page(),
#                       folio_add_new_anon_rmap()); never with one thread.
#   --icount            count instructions instead of keeping time (for the
#                       benchmark, with --cpus 1): qemu -accel tcg,thread=single
#                       -icount shift=0,sleep=off, so guest time advances one
#                       nanosecond per guest instruction executed, whatever the
#                       host does; an idle vCPU jumps to its next timer at once
#                       (sleep=off), so a sleep costs no instructions. Guest
#                       timeouts are then in instructions: one guest second is
#                       1e9 of them, which a single-threaded TCG vCPU takes
#                       several host seconds to run, so the default hard limit
#                       for the boot is ICOUNT_WALL_FACTOR (8) times the usual
#                       one
# A test sets its own time limit (default 120 s) with a line
# "# guest-timeout: SECONDS".
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/tests/lib/kernels.sh"

BOOT_ALLOWANCE=90
ICOUNT_WALL_FACTOR=8
# A guest that has not reached its init (which marks /results/booted) this
# long after qemu started is stalled in the kernel's boot: seen once in
# about 150 boots of 7.2 under TCG, stopped for good right after "hpet0: 3
# comparators" (where the clocksource switches), its vCPU busy. No test has
# run then, so the guest is killed and booted again, at most twice; a
# splat while booting still fails the run. Times timeout_factor (slow
# debug kernels) and ICOUNT_WALL_FACTOR with --icount.
BOOT_STALL_S=${COWWATCH_BOOT_STALL_S:-240}	# tests/host/harness_selftest.sh sets it
BOOT_STALL_RETRIES=2
DEFAULT_TEST_TIMEOUT=120
SPLAT_RE='WARNING: |BUG: |kernel BUG|Oops|general protection fault|Kernel panic|Call Trace:|rcu: INFO|self-detected stall|blocked for more than|soft lockup|hard LOCKUP|UBSAN:|KASAN:|list_(add|del) corruption|refcount_t: |Unable to handle|double fault'

usage() {
	echo "usage: tests/guest.sh --kernel {${SUPPORTED_KERNELS// /|}|${EXTRA_KERNELS// /|}} [--verdicts FILE] [--no-build] [--show-output] [--module-dir DIR] [--qemu-timeout S] [--test-timeout S] [--timeout-factor N] [--env NAME=VALUE] [--cpus N] [--mttcg] [--icount] TEST..." >&2
	exit 2
}

envs=() test_timeout_all='' timeout_factor=1
series='' cpus=2 icount=0 mttcg=0 verdicts='' build=1 module_dir='' qemu_timeout='' show_output=0 follow_output=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) series=${2-}; shift 2 || usage ;;
	--verdicts) verdicts=${2-}; shift 2 || usage ;;
	--no-build) build=0; shift ;;
	--show-output) show_output=1; shift ;;
	--follow-output) follow_output=1; shift ;;
	--module-dir) module_dir=${2-}; shift 2 || usage ;;
	--qemu-timeout) qemu_timeout=${2-}; shift 2 || usage ;;
	--cpus) cpus=${2-}; shift 2 || usage ;;
	--test-timeout) test_timeout_all=${2-}; shift 2 || usage ;;
	--timeout-factor) timeout_factor=${2-}; shift 2 || usage ;;
	--env) envs+=("${2-}"); shift 2 || usage ;;
	--icount) icount=1; shift ;;
	--mttcg) mttcg=1; shift ;;
	-h|--help) usage ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ -n "$series" ] && [ $# -gt 0 ] || usage
[[ "$cpus" =~ ^[1-9][0-9]*$ ]] || usage
[[ "$timeout_factor" =~ ^[1-9][0-9]*$ ]] || usage
[ -z "$test_timeout_all" ] || [[ "$test_timeout_all" =~ ^[1-9][0-9]*$ ]] || usage
for e in "${envs[@]}"; do
	[[ "$e" =~ ^[A-Z_][A-Z0-9_]*=[A-Za-z0-9_.,:/+=\ -]*$ ]] || { echo "guest.sh: bad --env $e" >&2; usage; }
done

tests=()
for t in "$@"; do
	abs=$(realpath -e "$t" 2>/dev/null) || { echo "guest.sh: no such test: $t" >&2; exit 2; }
	case "$abs" in
	"$SRC"/*) tests+=("$abs") ;;
	*) echo "guest.sh: tests must live in $SRC (the guest sees only that tree): $t" >&2; exit 2 ;;
	esac
done

failures=0
verdict() { # verdict PASS|FAIL TEST DETAIL
	local name=${2#"$SRC"/}
	echo "$1 [$series] $name${3:+ ($3)}"
	[ -n "$verdicts" ] && echo "$1 $series $name" >>"$verdicts"
	[ "$1" = PASS ] || failures=$((failures + 1))
}
fail_all() {
	local t
	for t in "${tests[@]}"; do verdict FAIL "$t" "$1"; done
	exit 1
}

case " $SUPPORTED_KERNELS $EXTRA_KERNELS " in
*" $series "*) ;;
*) usage ;;
esac
# Not ready: prepare it from what is at hand (sid's 7.2 from its cache if
# complete, else the chroot is made). make check prepares every kernel first.
if ! { kver=$(kernel_release "$series") && kernel_ready "$series"; }; then
	kernel_prepare "$series" --cached >&2
	kver=$(kernel_release "$series") && kernel_ready "$series" ||
		fail_all "kernel $series is $(kernel_not_ready_why "$series")"
fi
vmlinuz=$KERNELS_DIR/$kver/vmlinuz
kmodules=$(realpath -e "$KERNELS_DIR/$kver/modules") || fail_all "no $KERNELS_DIR/$kver/modules"

if [ "$build" = 1 ]; then
	make -s -C "$SRC" KVER="$kver" test-build >&2 || fail_all "build failed for $kver"
fi
[ -n "$module_dir" ] || module_dir="$SRC/build/$kver/kmod"
module_dir=$(realpath -m "$module_dir")
case "$module_dir" in
"$SRC"/*) ;;
*) fail_all "--module-dir must lie inside $SRC" ;;
esac

mkdir -p "$SRC/build/runs"
initrd="$SRC/build/initramfs-$kver.cpio.gz"
if [ ! -s "$initrd" ] || [ "$SRC/tests/lib/guest-init" -nt "$initrd" ] ||
	[ "$SRC/tests/lib/mkinitramfs.sh" -nt "$initrd" ] || [ "$kmodules/modules.dep" -nt "$initrd" ]; then
	"$SRC/tests/lib/mkinitramfs.sh" "$kver" "$initrd" "$kmodules" || fail_all "initramfs build failed"
fi

test_timeout() {
	local t
	t=$(sed -n 's/^# guest-timeout: *\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
	t=${test_timeout_all:-${t:-$DEFAULT_TEST_TIMEOUT}}
	echo $((t * timeout_factor))
}

# console_segment LOG IDX: the console lines from test IDX's begin marker up
# to the next test's begin marker (a splat while unloading after the test, or
# at power-off, still belongs to it).
console_segment() {
	awk -v begin="cowwatch-harness: begin $2 " \
		'/cowwatch-harness: begin / { on = index($0, begin) > 0 } on' "$1"
}

show_splat() { # show_splat TEXT: the first splat with some context
	grep -E -m1 -B3 -A25 "$SPLAT_RE" <<<"$1" | sed 's/^/    | /'
}

# The accelerator: one host thread for all vCPUs (see --mttcg), guest
# time is host time; with --mttcg one host thread per vCPU; with --icount
# one thread and the instruction counter as the guest's clock.
accel=(-accel "tcg,thread=single")
[ "$mttcg" = 1 ] && accel=(-accel "tcg,thread=multi")
[ "$icount" = 1 ] && accel=(-accel "tcg,thread=single" -icount "shift=0,sleep=off")

boot() { # boot OUTDIR LIMIT: runs job.tests from OUTDIR in one guest
	local out=$1 limit=$2 qemu waited=0 stall=$((BOOT_STALL_S * timeout_factor))
	[ "$icount" = 1 ] && stall=$((stall * ICOUNT_WALL_FACTOR))
	boot_qemu "$out" "$limit" &
	qemu=$!
	while [ ! -e "$out/booted" ] && kill -0 "$qemu" 2>/dev/null; do
		if [ "$waited" -ge "$stall" ]; then
			echo "$stall" >"$out/boot-stalled"
			kill "$qemu"	# timeout(1) passes it on to qemu
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait "$qemu"
}

boot_qemu() {
	local out=$1 limit=$2
	exec timeout -k 10 "$limit" qemu-system-x86_64 \
		"${accel[@]}" -cpu max -smp "$cpus" -m 2048 \
		-nodefaults -no-reboot -display none -monitor none \
		-serial "file:$out/console.log" \
		-kernel "$vmlinuz" -initrd "$initrd" \
		-append "console=ttyS0 panic_on_warn=1 panic=-1 oops=panic softlockup_panic=1 softlockup_all_cpu_backtrace=1 sysctl.kernel.hung_task_panic=1 sysctl.kernel.hung_task_timeout_secs=60 sysctl.kernel.panic_on_rcu_stall=1" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$out,mount_tag=results,security_model=none" \
		</dev/null >"$out/qemu.log" 2>&1
}

remaining=("${tests[@]}")
boot_stalls=0
while [ ${#remaining[@]} -gt 0 ]; do
	out=$(mktemp -d "$SRC/build/runs/$series.XXXXXX")
	{
		echo "COWWATCH_SRC='$SRC'"
		echo "COWWATCH_KVER='$kver'"
		echo "COWWATCH_SERIES='$series'"
		echo "COWWATCH_MODULE_DIR='$module_dir'"
		echo "COWWATCH_KMODULES='$kmodules'"
		for e in "${envs[@]}"; do echo "export ${e%%=*}='${e#*=}'"; done
	} >"$out/job.env"
	limit=${qemu_timeout:-$BOOT_ALLOWANCE}
	: >"$out/job.tests"
	for i in "${!remaining[@]}"; do
		t=${remaining[$i]}
		echo "$i $(test_timeout "$t") $t" >>"$out/job.tests"
		[ -n "$qemu_timeout" ] || limit=$((limit + $(test_timeout "$t") + 10))
	done
	[ -z "$qemu_timeout" ] && [ "$icount" = 1 ] && limit=$((limit * ICOUNT_WALL_FACTOR))

	follower=''
	if [ "$follow_output" = 1 ]; then
		outputs=()
		for i in "${!remaining[@]}"; do
			mkdir -p "$out/$i" && : >"$out/$i/output"
			outputs+=("$out/$i/output")
		done
		tail -q -n +1 -F "${outputs[@]}" 2>/dev/null &
		follower=$!
	fi
	boot "$out" "$limit"
	qrc=$?
	if [ -n "$follower" ]; then
		sleep 0.5
		kill "$follower" 2>/dev/null
		wait "$follower" 2>/dev/null
	fi
	console="$out/console.log"
	[ -f "$console" ] || : >"$console"

	# A splat before any test started is the boot's fault: nothing ran.
	preamble=$(sed '/cowwatch-harness: begin /,$d' "$console")
	if grep -qE "$SPLAT_RE" <<<"$preamble"; then
		show_splat "$preamble"
		fail_all "kernel splat while booting (log: $console)"
	fi

	if [ -e "$out/boot-stalled" ] && [ ! -e "$out/booted" ]; then
		boot_stalls=$((boot_stalls + 1))
		again=''
		[ "$boot_stalls" -le "$BOOT_STALL_RETRIES" ] && again=': booting again'
		echo "guest.sh: [$series] the guest did not reach its init in $(cat "$out/boot-stalled")s" \
			"(last console line: $(tail -n 1 "$console" | tr -d '\r'); log: $console)$again" >&2
		[ -n "$again" ] && continue
		fail_all "the guest stalled while booting $boot_stalls times (log: $console)"
	fi

	next=()
	started_any=0
	for i in "${!remaining[@]}"; do
		t=${remaining[$i]}
		if ! grep -q "cowwatch-harness: begin $i " "$console"; then
			next+=("$t")
			continue
		fi
		started_any=1
		seg=$(console_segment "$console" "$i")
		if grep -qE "$SPLAT_RE" <<<"$seg"; then
			verdict FAIL "$t" "kernel splat; log: $console"
			show_splat "$seg"
		elif [ ! -f "$out/$i/status" ]; then
			if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
				verdict FAIL "$t" "guest hung: no verdict within ${limit}s; log: $console"
			else
				verdict FAIL "$t" "guest died without a verdict (qemu exit $qrc); log: $console"
			fi
			tail -n 15 "$console" | sed 's/^/    | /'
		else
			[ "$show_output" = 1 ] && cat "$out/$i/output"
			rc=$(cat "$out/$i/status")
			secs=$(grep -E "cowwatch-harness: (begin|end) $i " "$console" |
				sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p' | awk 'NR==1{b=$1} END{printf "%.1fs", $1-b}')
			if [ "$rc" = 0 ]; then
				verdict PASS "$t" "$secs"
			else
				why="exit $rc"
				[ "$rc" = 124 ] && why="timed out after $(test_timeout "$t")s"
				verdict FAIL "$t" "$why; output: $out/$i/output"
				tail -n 20 "$out/$i/output" | sed 's/^/    | /'
			fi
		fi
	done
	if [ "$started_any" = 0 ]; then
		tail -n 20 "$console" "$out/qemu.log" | sed 's/^/    | /'
		tests=("${next[@]}")
		fail_all "the guest ran no test (qemu exit $qrc; log: $console)"
	fi
	remaining=("${next[@]}")
done
[ "$failures" = 0 ]
