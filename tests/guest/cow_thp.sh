#!/bin/bash
# Transparent huge pages shared by a parent and three workers, written in
# part and whole (tests/workloads/thptruth.c): each write's outcome is read
# from the kernel's own page tables by the workload (pagemap, kpageflags,
# smaps AnonHugePages), and cowwatch must report exactly that, per process,
# region, outcome and page size: a split (2 MiB) and then 4 KiB copies for a
# THP still shared, a reuse of 2 MiB for one nobody else maps (decided at
# the return of do_huge_pmd_wp_page, and for an exclusive THP write-
# protected by clear_refs), and for the huge zero page a split and a 4 KiB
# zero fill (up to 6.12) or a 2 MiB zero (7.2). Twice: every event
# (tests/bin/cwread), and cowwatch's default mode (counts in the kernel),
# whose summary must agree.
# guest-timeout: 180
# guest-boot: own
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"
truth=$COWWATCH_SRC/tests/workloads/thptruth
echo "THP $(cat /sys/kernel/mm/transparent_hugepage/enabled), defrag $(cat /sys/kernel/mm/transparent_hugepage/defrag)"
# No compact_memory first: in a boot whose earlier tests filled the page
# cache it was followed by stalls of 20-95 s in the allocator's page
# clearing on 6.12 under TCG (README: "A 6.12 guest's stall after other
# tests"; none in 7 runs without it). The test has a boot of its own, whose
# memory is not fragmented: thptruth checks its 7 huge pages are backed.
load_module

# start_truth NAME: thptruth held at its "ready" line; sets TRUTH_PID.
start_truth() {
	rm -f "/tmp/$1.go"
	mkfifo "/tmp/$1.go"
	"$truth" <"/tmp/$1.go" >"$RESULT_DIR/$1.out" 2>&1 &
	TRUTH_PID=$!
	exec 8>"/tmp/$1.go"
	local i
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready$' "$RESULT_DIR/$1.out" && return 0
		kill -0 "$TRUTH_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "thptruth not ready: $(cat "$RESULT_DIR/$1.out")"
}
release_truth() {
	echo go >&8
	exec 8>&-
	wait "$TRUTH_PID" || fail "thptruth failed: $(tail -n 5 "$RESULT_DIR/$1.out")"
}

# Every event.
start_truth events
start_reader r -u "$TRUTH_PID" watch "$TRUTH_PID"
release_truth events
wait "$READER_PID" || fail "reader failed"
cat "$RESULT_DIR/events.out"
python3 "$COWWATCH_SRC/tests/lib/check_thp.py" "$RESULT_DIR/events.out" "$RESULT_DIR/r.log" ||
	fail "events differ from the page tables"

# The default mode: counts in the kernel, the summary.
start_truth summary
"$COWWATCH_SRC/user/cowwatch" --json -o "$RESULT_DIR/summary.json" "$TRUTH_PID" \
	2>"$RESULT_DIR/cowwatch.err" &
cw=$!
wait_watched 1
release_truth summary
wait "$cw" || fail "cowwatch failed: $(cat "$RESULT_DIR/cowwatch.err")"
python3 "$COWWATCH_SRC/tests/lib/check_thp.py" --summary "$RESULT_DIR/summary.out" \
	"$RESULT_DIR/summary.json" || fail "the summary differs from the page tables"
unload_module
