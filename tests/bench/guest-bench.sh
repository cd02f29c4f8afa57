#!/bin/bash
# The benchmark's guest side (run by tests/bench/run.sh through
# tests/guest.sh, one boot per kernel and clock). Writes raw records, one
# line each, to $RESULT_DIR/bench.raw; tests/bench/report.py makes the
# tables. Parameters come from $COWWATCH_SRC/build/bench/params.env:
#   BENCH_CLOCK        icount (the boot runs under qemu -icount: guest time
#                      is instructions executed) or wall (MTTCG, host time);
#                      only labels the records, the boot decides the clock
#   BENCH_MIB          storm size per worker (MiB)
#   BENCH_WORKERS      worker counts, e.g. "2" or "1 2"
#   BENCH_RUNS         rounds
#   BENCH_MODES        the modes to run (default: all of them, in the order
#                      below; with the wall clock all but bpftrace and
#                      bpftrace-stream: an MTTCG guest has more than once
#                      stopped dead, timers and all, while bpftrace started,
#                      costing the boot its whole time limit)
#   BENCH_FILTER=1     also the watched-set and attach measurements,
#                      BENCH_FILTER_RUNS of them
#   BENCH_SETTLE_MS    cowstorm --settle: idle time between the storm's
#                      preparation and its timed writes (default 100); the
#                      release is then aligned to 20 ms (--align 20), and
#                      each storm also reports the busy time of the whole
#                      guest until it is quiet again (--busy)
#   BENCH_PCP_FRACTION vm.percpu_pagelist_high_fraction for the boot
#                      (default 1024, see below; 0: the kernel's default)
#
# A round runs every mode once, in this order, each over the storms (copy
# and reuse, each worker count):
#   baseline         module not loaded
#   kprobe-floor     tests/bench/kprobe-floor: one kprobe on do_wp_page
#                    that increments a per-CPU counter (the floor of any
#                    kprobe design); insmod before, rmmod after
#   loaded           insmod cowwatch; loaded, nothing watched
#   watch-summary    cowwatch -o /dev/null -- cowstorm ...
#   watch-events     cowwatch --json --events -o FILE -- cowstorm ...
#                    (FILE in tmpfs; delivered = its event records)
#   watch-stacks     cowwatch --stacks --json --events -o FILE -- cowstorm ...
#                    (a user stack sample per copy; with_stack = event
#                    records with a "stack")
#   watch-cwread     diagnostic: the minimal test reader tests/bin/cwread
#                    instead of cowwatch (the module's share of the cost)
#                    rmmod cowwatch
#   bpftrace         bpftrace -e 'kprobe:do_wp_page { @[tid] = count(); }'
#                    running over the round's storms
#   bpftrace-stream  bpftrace -e 'kprobe:do_wp_page { printf("%d %d %lx\n",
#                    pid, tid, ((struct vm_fault *)arg0)->address); }' over
#                    the round's storms (delivered: its lines, lost: its
#                    "Lost N events")
#   perf             perf trace --pf=min over the round's storms (every
#                    minor fault delivered and printed)
# Probes are only registered or unregistered (insmod, rmmod, bpftrace
# start and stop) while no storm runs: qemu MTTCG crashes the guest when
# an ftrace site is patched while another vCPU runs the function.
#
# Under icount (qemu -icount shift=0,sleep=off) every guest clock counts
# instructions, and an idle vCPU jumps to its next timer at once: waiting
# for the host (the 9p share) costs guest time in jumps, not instructions.
# So nothing in a timed window waits for the host: the storm program and
# every file the tools write are in tmpfs, and what the tools read from the
# share (their binaries, libraries) is read once before the first round
# (verify_storms). The polling loops below count guest seconds; a storm is
# well under one, bpftrace's start a few.
# guest-timeout: 7200
set -uo pipefail
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
set +e
trap - ERR

BENCH_CLOCK=wall BENCH_MIB=16 BENCH_WORKERS=2 BENCH_RUNS=7 BENCH_FILTER=0 BENCH_FILTER_RUNS=3
BENCH_SETTLE_MS=100 BENCH_PCP_FRACTION=1024
BENCH_MODES=''
params=$COWWATCH_SRC/build/bench/params.env
# shellcheck disable=SC1090
[ -r "$params" ] && . "$params"
if [ -z "$BENCH_MODES" ]; then
	BENCH_MODES="baseline kprobe-floor loaded watch-summary watch-events watch-stacks watch-cwread bpftrace bpftrace-stream perf"
	[ "$BENCH_CLOCK" = wall ] && BENCH_MODES="baseline kprobe-floor loaded watch-summary watch-events watch-cwread perf"
fi

TMP=/tmp/bench-guest
mkdir -p "$TMP"
# The storm runs from tmpfs: its exec and the readers' look-ups of its
# symbols must not wait for the 9p share.
cp "$COWWATCH_SRC/tests/bench/cowstorm" "$TMP/cowstorm" || fail "no tests/bench/cowstorm (make -C tests/bench)"
STORM=$TMP/cowstorm
CWREAD=$COWWATCH_SRC/tests/bin/cwread
FLOOR_KO=$COWWATCH_SRC/build/$COWWATCH_KVER/kprobe-floor/cw_kprobe_floor.ko
FLOOR_HITS=/sys/module/cw_kprobe_floor/parameters/hits
BTCOUNT=$COWWATCH_SRC/tests/bench/bt-count.py
RAW=$RESULT_DIR/bench.raw
TIME=/usr/bin/time
CPUS=$(nproc)
KERNEL=$COWWATCH_SERIES
: >"$RAW"
# The module's default, idle_disarm=1 (probes armed only while something is
# watched), where one vCPU makes that safe under TCG; with several, armed
# from load to unload (see load_module in tests/lib/guest-lib.sh).
if [ "$CPUS" = 1 ]; then
	MODULE_ARM=idle_disarm=1
else
	MODULE_ARM=idle_disarm=0
fi

[ -x "$TIME" ] || fail "no $TIME (package time)"
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
[ -r /sys/kernel/btf/vmlinux ] || echo "warning: no /sys/kernel/btf/vmlinux" >&2
PERF=$(command -v perf)
for p in /usr/bin/perf_*; do [ -x "$p" ] && PERF=$p; done
BPFTRACE=$(command -v bpftrace)
BT_COUNT='kprobe:do_wp_page { @[tid] = count(); }'
BT_STREAM='kprobe:do_wp_page { printf("%d %d %lx\n", pid, tid, ((struct vm_fault *)arg0)->address); }'
# A page in the LRU add batch of another CPU would turn a reuse into a copy:
# cowstorm pins its workers; nothing else to do here.

STORMS=()
for v in copy reuse; do
	for w in $BENCH_WORKERS; do STORMS+=("$v $w"); done
done
storm_args() { # storm_args "VARIANT WORKERS": cowstorm's arguments
	local a="--settle $BENCH_SETTLE_MS --align 20 --busy"
	[ "${1% *}" = reuse ] && a+=" --reuse"
	echo "$a $BENCH_MIB ${1#* }"
}

# The page allocator's per-CPU free lists: with one CPU the kernel lets
# them hold the zone's low watermark (some 14000 pages of 2 GiB), more than
# a storm allocates, so whether a storm's pages come from them or are
# refilled from the buddy lists (some 200 instructions per page more)
# depends on what ran before it (and on 6.12 on the time since: the limit
# decays). A fixed, small limit, as a server's many CPUs each get, makes
# every storm refill the same way.
if [ "$BENCH_PCP_FRACTION" != 0 ]; then
	sysctl -q -w vm.percpu_pagelist_high_fraction="$BENCH_PCP_FRACTION" ||
		fail "cannot set vm.percpu_pagelist_high_fraction"
fi
pcp_high() { # the per-CPU list limit of the largest zone, CPU 0
	awk '/^Node.*zone/ { z = $4 } /present/ { p[z] = $2 } /^ +high:/ && !(z in h) { h[z] = $2 }
		END { for (z in p) if (p[z] > best) { best = p[z]; v = h[z] } print v + 0 }' /proc/zoneinfo
}

want() { # want MODE: true if MODE is to run
	case " $BENCH_MODES " in *" $1 "*) return 0 ;; esac
	return 1
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

# Module memory: its text and data (/proc/modules) plus its buffers on every
# possible CPU (GET_STATS bytes_per_cpu: the count tables, and the event
# rings once a reader asked for events).
module_kb() {
	local size per_cpu
	size=$(awk '$1 == "cowwatch" { print $2 }' /proc/modules)
	per_cpu=$(stat_field bytes_per_cpu)
	echo $(((size + ${per_cpu:-0} * $(possible_cpus)) / 1024))
}

# record MODE ROUND STORM_LINE EXTRA...: one raw line.
record() {
	local mode=$1 round=$2 line=$3
	shift 3
	echo "run clock=$BENCH_CLOCK kernel=$KERNEL cpus=$CPUS round=$round mode=$mode $line $*" >>"$RAW"
	echo "  $(date +%T.%N | cut -c1-12) round $round $mode ${line%% *}"
}

# skip MODE WHY: MODE could not run in this round (the table says so).
skip() {
	echo "skip: $1: $2" >&2
	echo "skip clock=$BENCH_CLOCK kernel=$KERNEL cpus=$CPUS round=$round mode=$1 why=${2// /_}" >>"$RAW"
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

run_floor() { # run_floor ROUND: the storms under the bare counting kprobe
	local s line h0 h1
	[ -r "$FLOOR_KO" ] || fail "no $FLOOR_KO (tests/bench/build-floor.sh)"
	insmod "$FLOOR_KO" || fail "insmod $FLOOR_KO failed"
	sleep 0.2
	for s in "${STORMS[@]}"; do
		h0=$(cat "$FLOOR_HITS")
		# shellcheck disable=SC2046
		line=$("$STORM" $(storm_args "$s")) || fail "cowstorm $s under kprobe-floor failed"
		h1=$(cat "$FLOOR_HITS")
		record kprobe-floor "$1" "$line" tool_scope=none generated=$((h1 - h0)) lost_events=0
	done
	sleep 0.2
	rmmod cw_kprobe_floor || fail "rmmod cw_kprobe_floor failed"
}

run_cowwatch() { # run_cowwatch MODE ROUND OUTPUT ARGS...: each storm under its own cowwatch
	local mode=$1 round=$2 output=$3 s w0 l0 w1 l1 line lost msgs delivered
	shift 3
	for s in "${STORMS[@]}"; do
		stats_now
		w0=$STAT_WP l0=$STAT_LOST
		# shellcheck disable=SC2046
		$TIME -o "$TMP/time" -f 'bench-time %U %S %M' \
			"$COWWATCH_BIN" "$@" -o "$output" -- "$STORM" $(storm_args "$s") \
			>"$TMP/storm.out" 2>"$TMP/cw.err" || fail "cowwatch $* -- cowstorm $s: $(cat "$TMP/cw.err")"
		line=$(grep '^variant=' "$TMP/storm.out")
		stats_now
		w1=$STAT_WP l1=$STAT_LOST
		# The reader's own count of what it lost (events the module
		# dropped for it, and messages its socket dropped).
		lost=$(sed -n 's/.*warning: \([0-9]*\) events and \([0-9]*\) messages lost.*/\1/p' "$TMP/cw.err")
		msgs=$(sed -n 's/.*warning: \([0-9]*\) events and \([0-9]*\) messages lost.*/\2/p' "$TMP/cw.err")
		if [ "$output" = /dev/null ]; then
			delivered=$((w1 - w0 - ${lost:-0}))
		else
			delivered=$(grep -c '^{"type":"event"' "$output")
		fi
		[ "$mode" = watch-stacks ] && line="$line with_stack=$(grep -c '"stack":' "$output")"
		record "$mode" "$round" "$line" tool_scope=run "$(time_fields "$TMP/time")" \
			generated=$((w1 - w0)) lost_events=$((${lost:-0})) lost_messages=$((${msgs:-0})) \
			module_lost=$((l1 - l0)) delivered="$delivered" module_kb="$(module_kb)"
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

# The round's storms in one shell, each line to $TMP/storms.out.
storms_script() {
	local s
	echo "set -e"
	for s in "${STORMS[@]}"; do
		echo "$STORM $(storm_args "$s")"
	done
}

run_bpftrace() { # run_bpftrace MODE ROUND PROGRAM: the round's storms under one bpftrace
	local mode=$1 round=$2 prog=$3 pid line
	storms_script >"$TMP/storms.sh"
	$TIME -o "$TMP/time" -f 'bench-time %U %S %M' \
		"$BPFTRACE" -e "$prog" >"$TMP/bt.out" 2>&1 &
	pid=$!
	# bpftrace's start (BTF, LLVM) is a few guest seconds of instructions.
	for _ in $(seq 3000); do
		grep -q '^Attaching' "$TMP/bt.out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^Attaching' "$TMP/bt.out"; then
		kill -INT "$pid" 2>/dev/null
		wait "$pid"
		skip "$mode" "bpftrace did not attach: $(tr '\n' ' ' <"$TMP/bt.out" | cut -c1-300)"
		return
	fi
	sleep 1 # "Attaching" is printed before the probe is live
	bash "$TMP/storms.sh" >"$TMP/storms.out" || fail "storms under $mode failed"
	# The time process's child is bpftrace: signal it, not GNU time.
	pkill -INT -P "$pid" -x bpftrace
	wait "$pid"
	python3 "$BTCOUNT" "$mode" "$TMP/bt.out" "$TMP/storms.out" >"$TMP/bt.count" ||
		fail "bt-count.py $mode failed"
	while read -r line; do
		record "$mode" "$round" "$line" tool_scope=round "$(time_fields "$TMP/time")" \
			lost_scope=round
	done <"$TMP/bt.count"
}

run_perf() { # run_perf ROUND: perf trace --pf=min over the round's storms
	local round=$1 counted lost
	storms_script >"$TMP/storms.sh"
	if ! $TIME -o "$TMP/time" -f 'bench-time %U %S %M' \
		"$PERF" trace --no-syscalls --pf=min -o "$TMP/trace.out" -- \
		bash "$TMP/storms.sh" >"$TMP/storms.out" 2>"$TMP/perf.err"; then
		skip perf "perf trace failed: $(tr '\n' ' ' <"$TMP/perf.err" | cut -c1-300)"
		return
	fi
	counted=$(grep -c ' minfault ' "$TMP/trace.out")
	lost=$(sed -n 's/.*LOST \([0-9]*\) events.*/\1/p' "$TMP/trace.out" "$TMP/perf.err" |
		awk '{ t += $1 } END { print t + 0 }')
	while read -r line; do
		record perf "$round" "$line" tool_scope=round "$(time_fields "$TMP/time")" \
			round_counted="$counted" round_lost="$lost" lost_scope=round
	done < <(grep '^variant=' "$TMP/storms.out")
}

# What each storm really does, once, untimed: the kinds cowwatch sees. Also
# reads every tool and library from the share once, before any timed run.
verify_storms() {
	local s m
	load_module "$MODULE_ARM"
	for m in "" "--json --events"; do
		# shellcheck disable=SC2086
		$TIME -o "$TMP/time" -f 'bench-time %U %S %M' "$COWWATCH_BIN" $m -o /dev/null -- /bin/true ||
			fail "cowwatch $m -- true"
		echo "startup clock=$BENCH_CLOCK kernel=$KERNEL cpus=$CPUS args=${m// /,} $(time_fields "$TMP/time")" >>"$RAW"
	done
	for s in "${STORMS[@]}"; do
		# shellcheck disable=SC2046
		"$COWWATCH_BIN" --json --events -o "$TMP/verify.json" -- "$STORM" $(storm_args "$s") \
			>/dev/null || fail "verify $s"
		echo "verify clock=$BENCH_CLOCK kernel=$KERNEL cpus=$CPUS storm=${s// //} $(grep -o '"kind":"[a-z]*"' "$TMP/verify.json" |
			sort | uniq -c | awk '{ gsub(/"kind":|"/, "", $2); printf "%s=%d ", $2, $1 }')" >>"$RAW"
	done
	"$CWREAD" stats >/dev/null
	unload_module
	python3 -c 'pass'
	"$TIME" true 2>/dev/null
	stat -L "$FLOOR_KO" >/dev/null 2>&1
}

# Watched-set cost and attach time: the storm (copy, 1 worker) runs
# unwatched while cowwatch watches 0, 1 (a sleeper) or 1001 processes (a
# held tree of 1000 workers and their parent).
# attach_wait PID: waits until reader PID sits in poll() (syscall 7, or
# ppoll 271): it has watched every process and read their maps, and waits
# for events. Sets ATTACH_US (from ATTACH_T0, $EPOCHREALTIME digits taken
# before the launch) and ATTACH_CPU_MS (the reader's own CPU time, from
# schedstat). The wait uses shell builtins only (a read of
# /proc/PID/syscall, a 2 ms read timeout on a fifo): polling GET_STATS with
# cwread every 20 ms ran a process of its own against the reader on the
# guest's one vCPU and made the attach look 30-50% slower than it was.
attach_wait() {
	local pid=$1 nr='' i now cpu=0
	for ((i = 0; i < 15000; i++)); do
		read -r nr _ <"/proc/$pid/syscall" 2>/dev/null || break
		[ "$nr" = 7 ] || [ "$nr" = 271 ] && break
		read -r -t 0.002 -u "$NAP_FD" _
	done
	now=${EPOCHREALTIME/./}
	read -r cpu _ <"/proc/$pid/schedstat" 2>/dev/null
	ATTACH_US=$((now - ATTACH_T0))
	ATTACH_CPU_MS=$((cpu / 1000000))
	[ "$nr" = 7 ] || [ "$nr" = 271 ]
}

# The reader run from the guest's memory for the attach: an installed one
# runs from a local disk, its libraries in the page cache. From the 9p
# share each open of the reader and its libraries waits on the host, and
# under icount (sleep=off) a wait jumps guest time to the next tick:
# attaching to one sleeper took 55-64 ms so, 19 ms from a copy (6.1 guest,
# 2026-12-03). Sets READER (the command) or fails.
local_reader() {
	local dir=$TMP/reader lib
	mkdir -p "$dir" && cp "$COWWATCH_BIN" "$dir/cowwatch" || fail "cannot copy the reader"
	for lib in $(ldd "$COWWATCH_BIN" | awk '/=> \// { print $3 } /^[[:space:]]*\/.*ld-linux/ { print $1 }'); do
		cp -L "$lib" "$dir/" || fail "cannot copy $lib"
	done
	READER=("$(ls "$dir"/ld-linux*)" --library-path "$dir" "$dir/cowwatch")
	[ -x "${READER[0]}" ] && "${READER[@]}" --version >/dev/null || fail "the copied reader does not run"
}

filter_bench() {
	local round n0 reader line sleeper hold tree target rss READER
	local_reader
	load_module "$MODULE_ARM"
	mkfifo "$TMP/nap"
	exec {NAP_FD}<>"$TMP/nap"
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
		line=$("$STORM" --settle "$BENCH_SETTLE_MS" --align 20 "$BENCH_MIB" 1)
		record filter-0 "$round" "$line" watched=0
		for n0 in 1 1001; do
			target=$sleeper
			[ "$n0" = 1001 ] && target=$tree
			# No live view: nothing but the attach before the reader waits in poll().
			ATTACH_T0=${EPOCHREALTIME/./}
			"${READER[@]}" --json --interval 3600 -o /dev/null "$target" 2>"$TMP/attach.err" &
			reader=$!
			attach_wait "$reader" || fail "cowwatch did not reach its watch loop: $(cat "$TMP/attach.err")"
			for _ in $(seq 100); do
				[ "$(stat_field watched)" -ge "$n0" ] && break
				sleep 0.02
			done
			[ "$(stat_field watched)" -ge "$n0" ] || fail "cowwatch attached to $(stat_field watched) of $n0"
			line=$("$STORM" --settle "$BENCH_SETTLE_MS" --align 20 "$BENCH_MIB" 1)
			# The reader's peak RSS (KiB) over the attach and the storm.
			rss=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$reader/status")
			[ -n "$rss" ] || fail "no VmHWM for cowwatch ($reader)"
			record "filter-$n0" "$round" "$line" watched="$n0" \
				attach_ms=$((ATTACH_US / 1000)).$((ATTACH_US / 100 % 10)) attach_cpu_ms="$ATTACH_CPU_MS" \
				reader_rss_kib="$rss"
			kill -INT "$reader"
			wait "$reader"
			for _ in $(seq 600); do
				[ "$(stat_field watched)" = 0 ] && break
				sleep 0.05
			done
		done
	done
	echo go >&8
	exec 8>&- {NAP_FD}>&-
	wait "$tree"
	kill "$sleeper"
	wait "$sleeper" 2>/dev/null
	unload_module
}

echo "kernel $COWWATCH_KVER, clock $BENCH_CLOCK, $CPUS CPUs, storm $BENCH_MIB MiB x ${BENCH_WORKERS// /,} workers, $BENCH_RUNS rounds, modes: $BENCH_MODES"
echo "info clock=$BENCH_CLOCK kernel=$KERNEL kver=$COWWATCH_KVER cpus=$CPUS mib=$BENCH_MIB workers=${BENCH_WORKERS// /,} runs=$BENCH_RUNS modes=${BENCH_MODES// /,} settle_ms=$BENCH_SETTLE_MS pcp_fraction=$BENCH_PCP_FRACTION pcp_high=$(pcp_high) thp=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled) perf=$PERF bpftrace=$BPFTRACE clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource) arm=$MODULE_ARM" >>"$RAW"
verify_storms
# memory PHASE: the module's buffers per CPU now (GET_STATS bytes_per_cpu),
# once per boot and phase: "counts" before any reader asked for events (the
# default mode's footprint), "events" after one did (the rings are kept).
memory() {
	grep -q "^memory .* phase=$1 " "$RAW" && return 0
	echo "memory clock=$BENCH_CLOCK kernel=$KERNEL cpus=$CPUS phase=$1 bytes_per_cpu=$(stat_field bytes_per_cpu) possible_cpus=$(possible_cpus) " >>"$RAW"
}

for round in $(seq "$BENCH_RUNS"); do
	echo "round $round: $(date +%T)"
	want baseline && run_plain baseline "$round"
	want kprobe-floor && run_floor "$round"
	load_module "$MODULE_ARM"
	sleep 0.2
	memory counts
	want loaded && run_plain loaded "$round"
	want watch-summary && run_cowwatch watch-summary "$round" /dev/null
	want watch-events && run_cowwatch watch-events "$round" "$TMP/events.json" --json --events
	want watch-events && memory events
	want watch-stacks && run_cowwatch watch-stacks "$round" "$TMP/stacks.json" --stacks --json --events
	want watch-stacks && memory stacks
	want watch-cwread && run_cwread "$round"
	sleep 0.2
	unload_module
	want bpftrace && run_bpftrace bpftrace "$round" "$BT_COUNT"
	want bpftrace-stream && run_bpftrace bpftrace-stream "$round" "$BT_STREAM"
	want perf && run_perf "$round"
done
if [ "$BENCH_FILTER" = 1 ]; then
	echo "filter: $(date +%T)"
	filter_bench
fi
echo "done: $(date +%T)"
