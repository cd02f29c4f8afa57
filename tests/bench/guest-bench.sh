#!/bin/bash
# The benchmark's guest side (run by tests/bench/run.sh through
# tests/guest.sh, one boot per kernel and CPU count). Writes raw records,
# one line each, to $RESULT_DIR/bench.raw; tests/bench/report.py makes the
# table. Parameters come from $COWWATCH_SRC/build/bench/params.env
# (BENCH_MIB, BENCH_RUNS, BENCH_FILTER=1 for the watched-set and attach
# measurements, BENCH_FILTER_RUNS of them).
#
# A round runs every mode once, in this order each over the four storms
# (copy and reuse, 1 and 2 workers):
#   baseline       module not loaded
#   loaded         insmod; module loaded, nothing watched
#   watch-events   cowwatch --json --events -- cowstorm ... >/dev/null
#   watch-summary  cowwatch -- cowstorm ... >/dev/null
#                  rmmod
#   bpftrace       bpftrace -e 'kprobe:do_wp_page { @[tid] = count(); }'
#                  running over the round's four storms
#   watch-cwread   diagnostic: the minimal test reader tests/bin/cwread
#                  instead of cowwatch (the module's share of the cost)
#   perf           perf trace --pf=min over the four storms (every minor
#                  fault delivered and printed; perf record takes 20 s
#                  of TCG time just to start)
# Probes are only registered or unregistered (insmod, rmmod, bpftrace
# start and stop) while no storm runs: qemu MTTCG crashes the guest when
# an ftrace site is patched while another vCPU runs the function.
# guest-timeout: 900
# shellcheck disable=SC2119 # load_module takes insmod's options, none here
set -uo pipefail
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
set +e
trap - ERR

BENCH_MIB=6 BENCH_RUNS=5 BENCH_FILTER=1 BENCH_FILTER_RUNS=3
params=$COWWATCH_SRC/build/bench/params.env
# shellcheck disable=SC1090
[ -r "$params" ] && . "$params"

STORM=$COWWATCH_SRC/tests/bench/cowstorm
CWREAD=$COWWATCH_SRC/tests/bin/cwread
RAW=$RESULT_DIR/bench.raw
TIME=/usr/bin/time
CPUS=$(nproc)
KERNEL=$COWWATCH_SERIES
TMP=/tmp/bench-guest
mkdir -p "$TMP"
: >"$RAW"

[ -x "$STORM" ] || fail "no $STORM (make -C tests/bench)"
[ -x "$TIME" ] || fail "no $TIME (package time)"
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
[ -r /sys/kernel/btf/vmlinux ] || echo "warning: no /sys/kernel/btf/vmlinux" >&2
PERF=$(command -v perf)
for p in /usr/bin/perf_*; do [ -x "$p" ] && PERF=$p; done
BPFTRACE=$(command -v bpftrace)
# A page in the LRU add batch of another CPU would turn a reuse into a copy:
# cowstorm pins its workers; nothing else to do here.

STORMS=("copy 1" "copy 2" "reuse 1" "reuse 2")
storm_args() { # storm_args "VARIANT WORKERS": cowstorm's arguments
	if [ "${1% *}" = reuse ]; then echo "--reuse $BENCH_MIB ${1#* }"; else echo "$BENCH_MIB ${1#* }"; fi
}

stat_field() { # stat_field NAME: one field of cwread stats (0 without the module)
	"$CWREAD" stats 2>/dev/null | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# stats_now: STAT_WP (do_wp_page calls of watched processes) and STAT_LOST
# (events the module dropped), from one GET_STATS.
stats_now() {
	local line
	line=$("$CWREAD" stats 2>/dev/null)
	STAT_WP=$(sed -n 's/.*wp_watched=\([0-9]*\).*/\1/p' <<<"$line")
	STAT_LOST=$(sed -n 's/.* lost=\([0-9]*\).*/\1/p' <<<"$line")
}

possible_cpus() {
	local n=0 a b r
	IFS=, read -ra parts </sys/devices/system/cpu/possible
	for r in "${parts[@]}"; do
		a=${r%-*} b=${r#*-}
		n=$((n + b - a + 1))
	done
	echo $n
}

# Module memory: its text and data (/proc/modules) plus the per-CPU event
# rings: ring_size records of 104 bytes (struct cw_event) per possible CPU.
module_kb() {
	local size ring
	size=$(awk '$1 == "cowwatch" { print $2 }' /proc/modules)
	ring=$(cat /sys/module/cowwatch/parameters/ring_size)
	echo $(((size + ring * 104 * $(possible_cpus)) / 1024))
}

# record MODE ROUND STORM_LINE EXTRA...: one raw line.
record() {
	local mode=$1 round=$2 line=$3
	shift 3
	echo "run kernel=$KERNEL cpus=$CPUS round=$round mode=$mode $line $*" >>"$RAW"
}

time_fields() { # time_fields FILE: GNU time's "cpu_ms= rss_kb=" from FILE
	awk '/^bench-time / { printf "tool_cpu_ms=%d tool_rss_kb=%d", ($2 + $3) * 1000, $4 }' "$1"
}

run_plain() { # run_plain MODE ROUND
	local s line
	for s in "${STORMS[@]}"; do
		# shellcheck disable=SC2086
		# shellcheck disable=SC2046
		line=$("$STORM" $(storm_args "$s")) || fail "cowstorm $s failed"
		record "$1" "$2" "$line" tool_scope=none
	done
}

run_cowwatch() { # run_cowwatch MODE ROUND ARGS...: each storm under its own cowwatch
	local mode=$1 round=$2 s w0 l0 w1 l1 line lost msgs
	shift 2
	for s in "${STORMS[@]}"; do
		stats_now
		w0=$STAT_WP l0=$STAT_LOST
		# shellcheck disable=SC2046
		$TIME -o "$TMP/time" -f 'bench-time %U %S %M' \
			"$COWWATCH_BIN" "$@" -o /dev/null -- "$STORM" $(storm_args "$s") \
			>"$TMP/storm.out" 2>"$TMP/cw.err" || fail "cowwatch $* -- cowstorm $s: $(cat "$TMP/cw.err")"
		line=$(grep '^variant=' "$TMP/storm.out")
		stats_now
		w1=$STAT_WP l1=$STAT_LOST
		# The reader's own count of what it lost (events the module
		# dropped for it, and messages its socket dropped).
		lost=$(sed -n 's/.*warning: \([0-9]*\) events and \([0-9]*\) messages lost.*/\1/p' "$TMP/cw.err")
		msgs=$(sed -n 's/.*warning: \([0-9]*\) events and \([0-9]*\) messages lost.*/\2/p' "$TMP/cw.err")
		record "$mode" "$round" "$line" tool_scope=run "$(time_fields "$TMP/time")" \
			generated=$((w1 - w0)) lost_events=$((${lost:-0})) lost_messages=$((${msgs:-0})) \
			module_lost=$((l1 - l0)) delivered=$((w1 - w0 - ${lost:-0})) module_kb="$(module_kb)"
	done
}

# Diagnostic, not one of the issue's modes: the storm watched by the test
# suite's minimal reader (tests/bin/cwread: decodes and prints each event,
# no maps, no symbols), to tell the module's cost from cowwatch's.
run_cwread() { # run_cwread ROUND
	local round=$1 s w0 l0 w1 l1 spid rpid line
	for s in "${STORMS[@]}"; do
		rm -f "$TMP/go"
		mkfifo "$TMP/go"
		# shellcheck disable=SC2046
		"$STORM" --hold $(storm_args "$s") <"$TMP/go" >"$TMP/storm.out" &
		spid=$!
		exec 9>"$TMP/go"
		wait_for "$TMP/storm.out" '^held' 600
		stats_now
		w0=$STAT_WP l0=$STAT_LOST
		$TIME -o "$TMP/time" -f 'bench-time %U %S %M' \
			"$CWREAD" -u "$spid" watch "$spid" >/dev/null 2>"$TMP/cwr.err" &
		rpid=$!
		for _ in $(seq 600); do
			[ "$(stat_field watched)" -ge 1 ] && break
			sleep 0.05
		done
		echo go >&9
		exec 9>&-
		wait "$spid" || fail "cowstorm $s under cwread failed"
		wait "$rpid" || fail "cwread failed: $(cat "$TMP/cwr.err")"
		line=$(grep '^variant=' "$TMP/storm.out")
		stats_now
		w1=$STAT_WP l1=$STAT_LOST
		record watch-cwread "$round" "$line" tool_scope=run "$(time_fields "$TMP/time")" \
			generated=$((w1 - w0)) lost_events=$((l1 - l0)) delivered=$((w1 - w0 - (l1 - l0))) \
			module_kb="$(module_kb)"
	done
}

# The round's four storms in one shell, each line to $TMP/storms.out.
storms_script() {
	local s
	echo "set -e"
	for s in "${STORMS[@]}"; do
		echo "$STORM $(storm_args "$s")"
	done
}

run_bpftrace() { # run_bpftrace ROUND
	local round=$1 pid i total
	storms_script >"$TMP/storms.sh"
	$TIME -o "$TMP/time" -f 'bench-time %U %S %M' \
		"$BPFTRACE" -e 'kprobe:do_wp_page { @[tid] = count(); }' >"$TMP/bt.out" 2>&1 &
	pid=$!
	for i in $(seq 600); do
		grep -q '^Attaching' "$TMP/bt.out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^Attaching' "$TMP/bt.out" || fail "bpftrace did not attach: $(cat "$TMP/bt.out")"
	sleep 1 # "Attaching" is printed before the probe is live
	bash "$TMP/storms.sh" >"$TMP/storms.out" || fail "storms under bpftrace failed"
	# The time process's child is bpftrace: signal it, not GNU time.
	pkill -INT -P "$pid" -x bpftrace
	wait "$pid"
	total=$(awk -F': ' '/^@\[/ { t += $2 } END { print t + 0 }' "$TMP/bt.out")
	while read -r line; do
		record bpftrace "$round" "$line" tool_scope=round "$(time_fields "$TMP/time")" \
			round_counted="$total" lost_events=0
	done <"$TMP/storms.out"
}

run_perf() { # run_perf ROUND: perf trace --pf=min over the round's storms
	local round=$1 counted lost
	storms_script >"$TMP/storms.sh"
	$TIME -o "$TMP/time" -f 'bench-time %U %S %M' \
		"$PERF" trace --no-syscalls --pf=min -o "$TMP/trace.out" -- \
		bash "$TMP/storms.sh" >"$TMP/storms.out" 2>"$TMP/perf.err" ||
		fail "perf trace failed: $(cat "$TMP/perf.err")"
	counted=$(grep -c ' minfault ' "$TMP/trace.out")
	lost=$(sed -n 's/.*LOST \([0-9]*\) events.*/\1/p' "$TMP/trace.out" "$TMP/perf.err" |
		awk '{ t += $1 } END { print t + 0 }')
	while read -r line; do
		record perf "$round" "$line" tool_scope=round "$(time_fields "$TMP/time")" \
			round_counted="$counted" lost_events="$lost"
	done < <(grep '^variant=' "$TMP/storms.out")
}

# What each storm really does, once, untimed: the kinds cowwatch sees.
verify_storms() {
	local s m
	load_module
	for m in "" "--json --events"; do
		# shellcheck disable=SC2086
		$TIME -o "$TMP/time" -f 'bench-time %U %S %M' "$COWWATCH_BIN" $m -o /dev/null -- /bin/true ||
			fail "cowwatch $m -- true"
		echo "startup kernel=$KERNEL cpus=$CPUS args=${m// /,} $(time_fields "$TMP/time")" >>"$RAW"
	done
	for s in "${STORMS[@]}"; do
		# shellcheck disable=SC2046
		"$COWWATCH_BIN" --json --events -o "$TMP/verify.json" -- "$STORM" $(storm_args "$s") \
			>/dev/null || fail "verify $s"
		echo "verify kernel=$KERNEL cpus=$CPUS storm=${s// //} $(grep -o '"kind":"[a-z]*"' "$TMP/verify.json" |
			sort | uniq -c | awk '{ gsub(/"kind":|"/, "", $2); printf "%s=%d ", $2, $1 }')" >>"$RAW"
	done
	unload_module
}

# Watched-set cost and attach time: the storm (copy, 1 worker) runs
# unwatched while cowwatch watches 0, 1 (a sleeper) or 1001 processes (a
# held tree of 1000 workers and their parent).
filter_bench() {
	local round n0 t0 t1 reader line sleeper i hold tree target
	load_module
	hold=$TMP/hold
	rm -f "$hold"
	mkfifo "$hold"
	# shellcheck disable=SC2046
	"$COWWATCH_SRC/tests/workloads/cowtree" --hold $(for _ in $(seq 1000); do echo 0; done) \
		<"$hold" >"$TMP/tree.txt" &
	tree=$!
	exec 8>"$hold"
	wait_for "$TMP/tree.txt" '^held' 1200
	sleep 1000 &
	sleeper=$!
	for round in $(seq "$BENCH_FILTER_RUNS"); do
		line=$("$STORM" "$BENCH_MIB" 1)
		record filter-0 "$round" "$line" watched=0
		for n0 in 1 1001; do
			target=$sleeper
			[ "$n0" = 1001 ] && target=$tree
			t0=$(date +%s%N)
			"$COWWATCH_BIN" --json -o /dev/null "$target" 2>"$TMP/attach.err" &
			reader=$!
			for i in $(seq 3000); do
				[ "$(stat_field watched)" -ge "$n0" ] && break
				sleep 0.05
			done
			t1=$(date +%s%N)
			[ "$(stat_field watched)" -ge "$n0" ] || fail "cowwatch attached to $(stat_field watched) of $n0"
			line=$("$STORM" "$BENCH_MIB" 1)
			record "filter-$n0" "$round" "$line" watched="$n0" attach_ms=$(((t1 - t0) / 1000000))
			kill -INT "$reader"
			wait "$reader"
			for _ in $(seq 600); do
				[ "$(stat_field watched)" = 0 ] && break
				sleep 0.05
			done
		done
	done
	echo go >&8
	exec 8>&-
	wait "$tree"
	kill "$sleeper"
	wait "$sleeper" 2>/dev/null
	unload_module
}

echo "kernel $COWWATCH_KVER, $CPUS CPUs, storm $BENCH_MIB MiB, $BENCH_RUNS rounds"
echo "info kernel=$KERNEL kver=$COWWATCH_KVER cpus=$CPUS mib=$BENCH_MIB runs=$BENCH_RUNS perf=$PERF bpftrace=$BPFTRACE clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)" >>"$RAW"
verify_storms
for round in $(seq "$BENCH_RUNS"); do
	echo "round $round: $(date +%T)"
	run_plain baseline "$round"
	load_module
	sleep 0.2
	run_plain loaded "$round"
	run_cowwatch watch-events "$round" --json --events
	run_cowwatch watch-summary "$round"
	run_cwread "$round"
	sleep 0.2
	unload_module
	run_bpftrace "$round"
	run_perf "$round"
done
if [ "$BENCH_FILTER" = 1 ]; then
	echo "filter: $(date +%T)"
	filter_bench
fi
echo "done: $(date +%T)"
