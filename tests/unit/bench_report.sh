#!/bin/bash
# The benchmark's formatter (tests/bench/report.py) on a small fixed input:
# medians, spread, ratios to the baseline, lost events, the targets' verdicts
# and the JSON it writes. No timing is measured here.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/bench-unit.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check WHAT COMMAND...
	if "${@:2}"; then echo "ok: $1"; else echo "not ok: $1"; fails=$((fails + 1)); fi
}

run() { # run MODE ROUND NS EXTRA...
	echo "run kernel=6.1 cpus=2 round=$2 mode=$1 variant=copy mib=8 workers=1 pages=2048 faults=2048 elapsed_ns=$(($3 * 2048)) ns_per_fault=$3.0 ${*:4}"
}
{
	echo "info kernel=6.1 kver=6.1.0-test cpus=2 mib=8 runs=3"
	run baseline 1 100 tool_scope=none cpu_ns_per_fault=50.0
	run baseline 2 300 tool_scope=none cpu_ns_per_fault=70.0
	run baseline 3 200 tool_scope=none cpu_ns_per_fault=60.0
	for r in 1 2 3; do run loaded $r $((200 + 2 * r)) tool_scope=none cpu_ns_per_fault=$((60 + 3 * r)).0; done
	for r in 1 2 3; do
		run watch-events $r 220 tool_scope=run tool_cpu_ms=$((10 * r)) tool_rss_kb=$((1000 + r)) \
			generated=2050 lost_events=$((r - 1)) lost_messages=0 module_lost=0 delivered=$((2051 - r)) module_kb=900
	done
	run watch-cwread 1 230 tool_scope=run generated=2050 lost_events=0 delivered=2050 module_kb=900
	for r in 1 2 3; do
		run bpftrace $r 250 tool_scope=round tool_cpu_ms=500 tool_rss_kb=90000 round_counted=3000 lost_events=0
	done
} >"$tmp/raw"

out=$(python3 "$SRC/tests/bench/report.py" "$tmp/b.json" "$tmp/raw")
check "report.py exits 0" [ $? = 0 ]
check "the JSON path is not printed by report.py (run.sh prints it last)" \
	[ "$(tail -n 1 <<<"$out")" = "2 of 3 targets met; MISSED: see the closing note" ]
check "JSON is valid" python3 -m json.tool "$tmp/b.json" "$tmp/pretty.json"
q() { python3 -c "import json,sys; d=json.load(open('$tmp/b.json')); print($1)"; }
check "baseline median 200" [ "$(q '[r["ns_per_fault_median"] for r in d["results"] if r["mode"]=="baseline"][0]')" = 200.0 ]
check "baseline spread (300-100)/200 = 100%" [ "$(q '[r["spread_pct"] for r in d["results"] if r["mode"]=="baseline"][0]')" = 100.0 ]
check "loaded ratio 204/200 = 1.02" [ "$(q '[r["ratio"] for r in d["results"] if r["mode"]=="loaded"][0]')" = 1.02 ]
check "watch-events ratio 1.1" [ "$(q '[r["ratio"] for r in d["results"] if r["mode"]=="watch-events"][0]')" = 1.1 ]
check "lost events summed over runs: 0+1+2" [ "$(q '[r["lost_events"] for r in d["results"] if r["mode"]=="watch-events"][0]')" = 3 ]
check "delivered summed: 2050+2049+2048" [ "$(q '[r["events_delivered"] for r in d["results"] if r["mode"]=="watch-events"][0]')" = 6147 ]
check "reader CPU median 20 ms, peak RSS 1003 KiB" \
	[ "$(q '[(r["tool_cpu_ms_median"], r["tool_peak_rss_kb"]) for r in d["results"] if r["mode"]=="watch-events"][0]')" = "(20, 1003)" ]
check "results carry kernel, cpus, workers, mode, median, ratio, lost" \
	[ "$(q 'all(set(["kernel","cpus","workers","mode","ns_per_fault_median","ratio","lost_events"]) <= set(r) for r in d["results"])')" = True ]
check "worker CPU ratio of loaded: median 66 / 60 = 1.1" [ "$(q '[r["worker_cpu_ratio"] for r in d["results"] if r["mode"]=="loaded"][0]')" = 1.1 ]
check "results hold only the issue's modes; watch-cwread under diagnostic" \
	[ "$(q 'sorted({r["mode"] for r in d["results"]}), [r["mode"] for r in d["diagnostic"]]')" = "['baseline', 'bpftrace', 'loaded', 'watch-events'] ['watch-cwread']" ]
check "loaded 1.02 <= 1.02: met" grep -q '^  met    loaded/baseline <= 1.02  6.1 2 CPU W=1 copy: 1.020' <<<"$out"
check "watch-events 1.1 with lost events: MISSED" grep -q '^  MISSED watch-events/baseline <= 1.05, 0 lost .*: 1.100, lost 3' <<<"$out"
check "watch-events 1.1 <= bpftrace 1.25: met" grep -q '^  met    watch-events <= bpftrace .*: 1.100 vs bpftrace 1.250' <<<"$out"
check "table row for watch-events" grep -qE '^6\.1 +2 +1 copy +watch-events +220 +0\.0% +1\.100 +6150 +6147 +3 +20 +1003 +900 +- +-$' <<<"$out"
[ "$fails" = 0 ]
