#!/bin/bash
# tests/bench/run.sh: the benchmark (what `make bench` runs; issue 6).
#
# Boots each supported kernel with 1 and with 2 guest CPUs (qemu TCG, one
# boot each), runs tests/bench/guest-bench.sh inside, which alternates the
# modes round by round (baseline, loaded, watch-events, watch-summary,
# watch-cwread, bpftrace, perf, baseline, ...) over a CoW storm (copy and
# reuse, 1 and 2 workers), then prints the table and the targets and writes
# the same as JSON to build/bench/bench-DATE.json, whose path is the last
# line printed. Under TCG only the ratios mean anything.
#
# Environment: BENCH_MIB (storm size per worker, default 6), BENCH_RUNS
# (rounds, default 5), BENCH_FILTER_RUNS (watched-set rounds, default 3),
# BENCH_KERNELS (default: every supported kernel), BENCH_CPUS (default
# "1 2"). The watched-set filter and attach measurements run in the boots
# with 2 CPUs only.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
cd "$SRC" || exit 1
. tests/lib/kernels.sh

kernels=${BENCH_KERNELS:-$SUPPORTED_KERNELS}
cpus_list=${BENCH_CPUS:-1 2}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
outdir=build/bench
mkdir -p "$outdir" build/runs
make -s -C tests/bench || exit 1

start=$(date +%s)
raws=()
failed=0
for s in $kernels; do
	kver=$(kernel_release "$s") || { echo "bench: kernel $s not installed" >&2; exit 1; }
	make -s KVER="$kver" test-build >&2 || { echo "bench: build for $kver failed" >&2; exit 1; }
	for c in $cpus_list; do
		filter=0
		[ "$c" = 2 ] && filter=1
		{
			echo "BENCH_MIB=${BENCH_MIB:-6}"
			echo "BENCH_RUNS=${BENCH_RUNS:-5}"
			echo "BENCH_FILTER=$filter"
			echo "BENCH_FILTER_RUNS=${BENCH_FILTER_RUNS:-3}"
		} >"$outdir/params.env"
		echo "== kernel $s ($kver), $c CPUs: $(date +%T)" >&2
		before=$(find build/runs -maxdepth 1 -name "$s.*" | sort)
		tests/guest.sh --kernel "$s" --cpus "$c" --no-build --follow-output \
			tests/bench/guest-bench.sh >&2 || failed=1
		run=$(comm -13 <(echo "$before") <(find build/runs -maxdepth 1 -name "$s.*" | sort) | tail -n 1)
		raw=$run/0/bench.raw
		if [ -n "$run" ] && [ -s "$raw" ]; then
			cp "$raw" "$outdir/bench-$stamp-$s-${c}cpu.raw"
			raws+=("$outdir/bench-$stamp-$s-${c}cpu.raw")
		else
			echo "bench: no results from kernel $s with $c CPUs" >&2
			failed=1
		fi
	done
done
[ ${#raws[@]} -gt 0 ] || exit 1

json=$outdir/bench-$stamp.json
python3 tests/bench/report.py "$json" "${raws[@]}" >"$outdir/bench-$stamp.txt" || exit 1
python3 -m json.tool "$json" >/dev/null || { echo "bench: $json is not valid JSON" >&2; exit 1; }
cat "$outdir/bench-$stamp.txt"
cat tests/bench/NOTE.txt
echo "date $(date -u +%Y-%m-%d), machine: $(nproc)-core host, $(uname -m), qemu TCG guests; make bench took $(($(date +%s) - start)) s"
[ "$failed" = 0 ] || echo "bench: some boots failed (see above); the table covers what came back"
echo "$json"
[ "$failed" = 0 ]
