#!/bin/bash
# The benchmark's formatter (tests/bench/report.py) on a small fixed input:
# medians, spread, ratios to the baseline, events generated / delivered /
# lost, the icount table before the wall table, the targets' verdicts per
# kernel (icount only) and the JSON it writes. No timing is measured here.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/bench-unit.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check WHAT COMMAND...
	if "${@:2}"; then echo "ok: $1"; else echo "not ok: $1"; fails=$((fails + 1)); fi
}

# run CLOCK CPUS VARIANT MODE ROUND NS EXTRA...: one record of a 2048-fault storm
run() {
	local clock=$1 cpus=$2 variant=$3
	shift 3
	echo "run clock=$clock kernel=6.1 cpus=$cpus round=$2 mode=$1 variant=$variant mib=8 workers=1 pages=2048 faults=2048 elapsed_ns=$(($3 * 2048)) ns_per_fault=$3.0 ${*:4}"
}
# irun VARIANT MODE ROUND NS TAIL EXTRA...: an icount record whose storm also
# measured the guest's busy time until quiet: the window, the workers' exit
# (0.3 of the baseline's window) and TAIL per fault of work after the window
irun() {
	run icount 1 "$1" "$2" "$3" "$4" busy_ns=$((($4 + b * 3 / 10 + $5) * 2048)) "${@:6}"
}
{
	# A wall boot (2 CPUs): the old record format, clock= left out.
	echo "info kernel=6.1 kver=6.1.0-test cpus=2 mib=8 runs=3"
	run wall 2 copy baseline 1 100 tool_scope=none cpu_ns_per_fault=50.0 | sed 's/clock=wall //'
	run wall 2 copy baseline 2 300 tool_scope=none cpu_ns_per_fault=70.0
	run wall 2 copy baseline 3 200 tool_scope=none cpu_ns_per_fault=60.0
	for r in 1 2 3; do run wall 2 copy loaded $r $((200 + 2 * r)) tool_scope=none cpu_ns_per_fault=$((60 + 3 * r)).0; done
	for r in 1 2 3; do
		run wall 2 copy watch-events $r 220 tool_scope=run tool_cpu_ms=$((10 * r)) tool_rss_kb=$((1000 + r)) \
			generated=2050 lost_events=$((r - 1)) lost_messages=0 module_lost=0 delivered=$((2051 - r)) module_kb=900
	done
	run wall 2 copy watch-cwread 1 230 tool_scope=run generated=2050 lost_events=0 delivered=2050 module_kb=900
	for r in 1 2 3; do
		run wall 2 copy bpftrace $r 250 tool_scope=round tool_cpu_ms=500 tool_rss_kb=90000 \
			generated=2048 delivered=2048 round_lost=0 lost_scope=round
	done
	# An icount boot (1 vCPU), two storms: copy meets every target, reuse
	# misses loaded (1.02) and watch-events (lost events).
	echo "info clock=icount kernel=6.1 kver=6.1.0-test cpus=1 mib=8 workers=1 runs=3"
	for r in 1 2 3; do
		for v in copy reuse; do
			b=1000 lo=1005
			[ $v = reuse ] && b=100 lo=1020
			irun $v baseline $r $((b + r - 2)) 0 tool_scope=none cpu_ns_per_fault=$b.0
			irun $v kprobe-floor $r $((b * 1005 / 1000)) 0 tool_scope=none generated=2050 lost_events=0
			irun $v loaded $r $((b * lo / 1000)) 0 tool_scope=none
			irun $v watch-summary $r $((b * 104 / 100)) 0 tool_scope=run tool_cpu_ms=5 tool_rss_kb=2000 \
				generated=2050 lost_events=0 lost_messages=0 module_lost=0 delivered=2050 module_kb=900
			lost=0
			[ $v = reuse ] && [ $r = 2 ] && lost=7
			irun $v watch-events $r $((b * 120 / 100)) $((b / 25)) tool_scope=run tool_cpu_ms=9 tool_rss_kb=2100 \
				generated=2050 lost_events=$lost lost_messages=0 module_lost=0 delivered=$((2050 - lost)) module_kb=900
			irun $v bpftrace $r $((b * 106 / 100)) 0 tool_scope=round tool_cpu_ms=$((400 + r)) tool_rss_kb=90000 \
				generated=2051 delivered=2051 round_lost=0 lost_scope=round
			irun $v bpftrace-stream $r $((b * 150 / 100)) $((b / 25)) tool_scope=round tool_cpu_ms=700 tool_rss_kb=95000 \
				generated=2048 delivered=$((1000 + r)) round_lost=$((2000 + r)) lost_scope=round
		done
	done
	# The watched-set rounds of the same boot: the first attach to the tree
	# is the cold one (120.5 ms), the others warm; the reader's peak RSS.
	for r in 1 2 3; do
		run icount 1 copy filter-0 $r 1000 watched=0
		run icount 1 copy filter-1 $r 1040 watched=1 attach_ms=2$r.0 attach_cpu_ms=10 reader_rss_kib=1300
		run icount 1 copy filter-1001 $r 1045 watched=1001 attach_ms=$( [ $r = 1 ] && echo 120.5 || echo 8$r.0) \
			attach_cpu_ms=60 reader_rss_kib=$((4000 + 500 * r))
	done
	echo "skip clock=icount kernel=6.1 cpus=1 round=2 mode=perf why=perf_trace_failed:_no_BTF"
	echo "memory clock=icount kernel=6.1 cpus=1 phase=counts bytes_per_cpu=90128 possible_cpus=1 "
	echo "memory clock=icount kernel=6.1 cpus=1 phase=events bytes_per_cpu=548880 possible_cpus=1 "
} >"$tmp/raw"

out=$(python3 "$SRC/tests/bench/report.py" "$tmp/b.json" "$tmp/raw")
check "report.py exits 0" [ $? = 0 ]
check "the JSON path is not printed by report.py (run.sh prints it last)" \
	[ "$(tail -n 1 <<<"$out")" = "3 of 6 targets met (icount); MISSED: see the closing note" ]
check "JSON is valid" python3 -m json.tool "$tmp/b.json" "$tmp/pretty.json"
q() { python3 -c "import json,sys; d=json.load(open('$tmp/b.json')); print($1)"; }
w() { # w CLOCK VARIANT MODE FIELD: one field of one result
	q "[r['$4'] for r in d['results'] + d['diagnostic'] if r['clock']=='$1' and r['variant']=='$2' and r['mode']=='$3'][0]"
}
check "every result row carries its clock" [ "$(q 'sorted({r["clock"] for r in d["results"]})')" = "['icount', 'wall']" ]
check "wall baseline median 200" [ "$(w wall copy baseline ns_per_fault_median)" = 200.0 ]
check "wall baseline spread (300-100)/200 = 100%" [ "$(w wall copy baseline spread_pct)" = 100.0 ]
check "wall loaded ratio 204/200 = 1.02" [ "$(w wall copy loaded ratio)" = 1.02 ]
check "wall watch-events ratio 1.1" [ "$(w wall copy watch-events ratio)" = 1.1 ]
check "lost events summed over runs: 0+1+2" [ "$(w wall copy watch-events lost_events)" = 3 ]
check "delivered summed: 2050+2049+2048" [ "$(w wall copy watch-events events_delivered)" = 6147 ]
check "reader CPU median 20 ms, peak RSS 1003 KiB" \
	[ "$(q '[(r["tool_cpu_ms_median"], r["tool_peak_rss_kb"]) for r in d["results"] if r["clock"]=="wall" and r["mode"]=="watch-events"][0]')" = "(20, 1003)" ]
check "results carry clock, kernel, cpus, workers, mode, median, ratio, lost" \
	[ "$(q 'all(set(["clock","kernel","cpus","workers","mode","ns_per_fault_median","ratio","lost_events"]) <= set(r) for r in d["results"])')" = True ]
check "worker CPU ratio of wall loaded: median 66 / 60 = 1.1" [ "$(w wall copy loaded worker_cpu_ratio)" = 1.1 ]
check "results hold only the issue's modes; watch-cwread under diagnostic" \
	[ "$(q 'sorted({r["mode"] for r in d["results"]}), [r["mode"] for r in d["diagnostic"]]')" = "['baseline', 'bpftrace', 'bpftrace-stream', 'kprobe-floor', 'loaded', 'watch-events', 'watch-summary'] ['watch-cwread']" ]
check "icount ratios are over the icount baseline (999..1001: median 1000)" \
	[ "$(w icount copy baseline ns_per_fault_median) $(w icount copy loaded ratio) $(w icount reuse loaded ratio)" = "1000.0 1.005 1.02" ]
check "icount baseline spread (1001-999)/1000 = 0.2%" [ "$(w icount copy baseline spread_pct)" = 0.2 ]
check "kprobe-floor: generated summed, nothing delivered" \
	[ "$(w icount copy kprobe-floor events_generated) $(q '"events_delivered" in [r for r in d["results"] if r["mode"]=="kprobe-floor"][0]')" = "6150 False" ]
check "bpftrace-stream: lost = the storm's writes not printed (3 x 2048 - 3003)" \
	[ "$(w icount copy bpftrace-stream events_delivered) $(w icount copy bpftrace-stream lost_events)" = "3006 3138" ]
check "bpftrace-stream: its own Lost count once per round" [ "$(w icount copy bpftrace-stream tool_lost_rounds)" = 6006 ]
check "bpftrace: tool CPU once per round, median 402" [ "$(w icount copy bpftrace tool_cpu_ms_median)" = 402 ]
check "no target is judged on the wall clock" [ "$(q '{t["clock"] for t in d["targets"]}')" = "{'icount'}" ]
check "the icount table comes before the wall table" \
	[ "$(grep -n '^== ' <<<"$out" | cut -d: -f1 | tr '\n' ' ')" = "$(grep -n '^== icount' <<<"$out" | cut -d: -f1) $(grep -n '^== wall' <<<"$out" | cut -d: -f1) " ]
check "all-in: busy time added per fault over the baseline's window (240 / 1000)" \
	[ "$(w icount copy watch-events added_ns_per_fault) $(w icount copy watch-events allin_ratio)" = "240.0 1.24" ]
check "icount table row for copy watch-events" \
	grep -qE '^6\.1 +copy W=1 +watch-events +1200 +0\.0% +1\.200 +\+240 +1\.240 +0\.0% +6150 +6150 +0 +9 +-$' <<<"$out"
check "icount table row for reuse bpftrace-stream" \
	grep -qE '^6\.1 +reuse W=1 +bpftrace-stream +150 +0\.0% +1\.500 +\+54 +1\.540 +0\.0% +6144 +3006 +3138 +700 +-$' <<<"$out"
check "wall table row for watch-events" \
	grep -qE '^6\.1 +2 +1 copy +watch-events +220 +0\.0% +1\.100 +6150 +6147 +3 +20 +1003 +900 +- +-$' <<<"$out"
check "loaded 1.02 on reuse: MISSED for the kernel, both storms shown" \
	grep -q '^  MISSED 6\.1   loaded <= 1\.01x: copy W=1 1\.005; reuse W=1 1\.020$' <<<"$out"
check "watch-summary 1.04 below bpftrace 1.06: MET" \
	grep -q '^  MET    6\.1   watch-summary <= 1\.05x and below bpftrace: copy W=1 1\.040 vs bpftrace 1\.060; reuse W=1 1\.040 vs bpftrace 1\.060$' <<<"$out"
check "watch-events all-in 1.24 with 7 lost on reuse: MISSED, judged all-in" \
	grep -q '^  MISSED 6\.1   watch-events <= 1\.25x, 0 lost, below bpftrace-stream: copy W=1 1\.240 (window 1\.200) vs bpftrace-stream 1\.540, lost 0; reuse W=1 1\.240 (window 1\.200) vs bpftrace-stream 1\.540, lost 7$' <<<"$out"
check "a mode that could not run is listed, not dropped silently" \
	grep -q '^  icount 6\.1 1 CPUs perf: 1 round(s): perf trace failed: no BTF$' <<<"$out"
check "JSON targets: per kernel, met flags" \
	[ "$(q '[(t["kernel"], t["met"]) for t in d["targets"]]')" = "[('6.1', False), ('6.1', True), ('6.1', False), ('6.1', True), ('6.1', False), ('6.1', True)]" ]
check "module memory of the default mode, 90128 bytes per CPU: 88.0 KiB, MET" \
	grep -q '^  MET    6\.1   module memory <= 128 KiB per CPU (no events reader): 88\.0 KiB$' <<<"$out"
check "attach: a cold first round of 120.5 ms misses though the median (83.0) is under 100" \
	grep -q '^  MISSED 6\.1   attach to 1001 processes <= 100 ms, every round: rounds 120\.5, 82\.0, 83\.0 ms (the first cold), median 83\.0$' <<<"$out"
check "reader RSS: the largest round (5500 KiB = 5.4 MiB) under 20 MiB, MET" \
	grep -q '^  MET    6\.1   reader RSS watching 1001 processes < 20 MiB: peak 5\.4 MiB$' <<<"$out"
check "the filter table: attach median and the reader's peak KiB per watched set" \
	grep -qE '^icount 6\.1 +1 1001 +1045 .* 83 +60 +5500$' <<<"$out"
check "memory with an events reader listed: 536.0 KiB per CPU" \
	grep -qE '^  icount 6\.1 +1 CPUs events +536\.0 KiB per CPU x 1 possible CPUs$' <<<"$out"
[ "$fails" = 0 ]
