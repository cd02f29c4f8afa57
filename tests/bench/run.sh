#!/bin/bash
# tests/bench/run.sh: the benchmark (what `make bench` runs; issues 6, 13).
#
# Per supported kernel, two kinds of boot, each running
# tests/bench/guest-bench.sh, which alternates the modes round by round
# (baseline, kprobe-floor, loaded, watch-summary, watch-events, watch-stacks,
# watch-cwread, bpftrace, bpftrace-stream, perf, baseline, ...) over CoW
# storms (copy and reuse):
#   icount  the headline: one boot with 1 vCPU under qemu's instruction
#           counter (tests/guest.sh --icount: -accel tcg,thread=single
#           -icount shift=0,sleep=off), so guest time is instructions
#           executed, repeatable within a few percent whatever the host
#           does; the targets are judged on it. Also the watched-set and
#           attach measurements.
#   wall    MTTCG boots (host time) with BENCH_WALL_CPUS CPUs: parallel
#           effects the counter cannot show, at 15-130% spread per storm.
# Then prints the tables (icount first) and the targets and writes the same
# as JSON to build/bench/bench-DATE.json, whose path is the last line
# printed.
#
# Environment (defaults in brackets):
#   BENCH_KERNELS       [every supported kernel]
#   BENCH_MIB           icount storm size per worker, MiB [16]
#   BENCH_WORKERS       icount storm worker counts [2]
#   BENCH_RUNS          icount rounds [9]
#   BENCH_FILTER_RUNS   watched-set rounds in the icount boot, 0: none [5]
#   BENCH_WALL_CPUS     CPU counts of the wall boots, "" for none [2]
#   BENCH_WALL_MIB      [6], BENCH_WALL_WORKERS [1 2], BENCH_WALL_RUNS [3]
#   BENCH_MODES, BENCH_WALL_MODES: the modes of the icount and the wall boots
#                       [all; all but bpftrace and bpftrace-stream, see
#                       tests/bench/guest-bench.sh]
#   BENCH_ICOUNT_LIMIT, BENCH_WALL_LIMIT: host seconds one boot may take
#                       [2400, 1200]
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
cd "$SRC" || exit 1
. tests/lib/kernels.sh

kernels=${BENCH_KERNELS:-$SUPPORTED_KERNELS}
wall_cpus=${BENCH_WALL_CPUS-2}
filter_runs=${BENCH_FILTER_RUNS:-5}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
outdir=build/bench
mkdir -p "$outdir" build/runs
make -s -C tests/bench || exit 1

start=$(date +%s)
raws=()
failed=0

# bench_boot SERIES KVER CLOCK CPUS LIMIT: one boot; its raw records kept
# as build/bench/bench-DATE-SERIES-CLOCK-NCPU.raw.
bench_boot() {
	local s=$1 kver=$2 clock=$3 c=$4 limit=$5 before run raw t0 opts=()
	# Wall-clock boots run a host thread per vCPU, to show parallel effects.
	opts=(--mttcg)
	[ "$clock" = icount ] && opts=(--icount)
	echo "== kernel $s ($kver), $clock clock, $c CPUs: $(date +%T)" >&2
	t0=$(date +%s)
	before=$(find build/runs -maxdepth 1 -name "$s.*" | sort)
	tests/guest.sh --kernel "$s" --cpus "$c" "${opts[@]}" --no-build --follow-output \
		--qemu-timeout "$limit" tests/bench/guest-bench.sh >&2 || failed=1
	# This boot's run: a new one that ran the bench (another guest of the
	# same kernel, started meanwhile, made one too).
	run=''
	for d in $(comm -13 <(echo "$before") <(find build/runs -maxdepth 1 -name "$s.*" | sort)); do
		grep -q 'tests/bench/guest-bench.sh' "$d/job.tests" 2>/dev/null && run=$d
	done
	raw=$run/0/bench.raw
	if [ -n "$run" ] && [ -s "$raw" ]; then
		cp "$raw" "$outdir/bench-$stamp-$s-$clock-${c}cpu.raw"
		raws+=("$outdir/bench-$stamp-$s-$clock-${c}cpu.raw")
	else
		echo "bench: no results from kernel $s ($clock clock, $c CPUs)" >&2
		failed=1
	fi
	echo "== kernel $s, $clock clock, $c CPUs: $(($(date +%s) - t0)) s" >&2
}

for s in $kernels; do
	kver=$(kernel_release "$s") || { echo "bench: kernel $s not installed" >&2; exit 1; }
	make -s KVER="$kver" test-build >&2 || { echo "bench: build for $kver failed" >&2; exit 1; }
	tests/bench/build-floor.sh "$kver" "build/$kver/kprobe-floor" >&2 ||
		{ echo "bench: kprobe-floor build for $kver failed" >&2; exit 1; }
	{
		echo "BENCH_CLOCK=icount"
		echo "BENCH_MIB=${BENCH_MIB:-16}"
		echo "BENCH_WORKERS='${BENCH_WORKERS:-2}'"
		echo "BENCH_RUNS=${BENCH_RUNS:-9}"
		echo "BENCH_FILTER=$([ "$filter_runs" -gt 0 ] && echo 1 || echo 0)"
		echo "BENCH_FILTER_RUNS=$filter_runs"
		echo "BENCH_MODES='${BENCH_MODES-}'"
	} >"$outdir/params.env"
	bench_boot "$s" "$kver" icount 1 "${BENCH_ICOUNT_LIMIT:-2400}"
	for c in $wall_cpus; do
		{
			echo "BENCH_CLOCK=wall"
			echo "BENCH_MIB=${BENCH_WALL_MIB:-6}"
			echo "BENCH_WORKERS='${BENCH_WALL_WORKERS:-1 2}'"
			echo "BENCH_RUNS=${BENCH_WALL_RUNS:-3}"
			echo "BENCH_FILTER=0"
			echo "BENCH_MODES='${BENCH_WALL_MODES-}'"
		} >"$outdir/params.env"
		bench_boot "$s" "$kver" wall "$c" "${BENCH_WALL_LIMIT:-1200}"
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
