#!/bin/bash
# Ground truth: tests/workloads/groundtruth breaks copy-on-write sharing in
# every way cowwatch tells apart and writes down exactly what it did; the
# reader (cowwatch --json --events) must agree page for page, and the
# default mode's summary (counts kept in the kernel) region for region. Four workers,
# each with a different count per kind (worker 0 from a second thread), all
# exiting within milliseconds of their writes:
#   anon 7,30,64,5     copies of filled private anonymous pages
#   zero 3,0,9,1       read then written untouched anonymous pages: zero fills
#   file 2,5,0,4       read then written MAP_PRIVATE file pages: file copies
#   thp  17,0,3,40     4 KiB copies in a region the parent backed with a THP
#   huge 1,0,0,2       copies of 2 MiB hugetlb pages (page size 2097152)
#   reuse 50           the parent writes 50 pages after the workers exited:
#                      reuses, no copies (and its first write to each
#                      hugetlb page, before the fork, is a reuse in
#                      hugetlb_wp: the kernel does the CoW at once)
# A second groundtruth tree with other counts, not watched, runs at the same
# time on the other CPU and must leave no trace. Expected numbers come from
# the workload's own account (what it did), checked by check_groundtruth.py.
# Twice: with --events (every event checked), and in the default mode, where
# the module counts in the kernel and only the summary can be checked: it
# must be the same, region by region and function by function.
# guest-timeout: 180
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
gt=$COWWATCH_SRC/tests/workloads/groundtruth
go=/tmp/gt-go
rm -f "$go"
# Huge pages: each tree's own (2 + 3) plus one per worker copy (3 + 2), and spare.
echo 16 >/proc/sys/vm/nr_hugepages
expect_eq "$(cat /proc/sys/vm/nr_hugepages)" 16 "huge pages reserved"
load_module

# run NAME [COWWATCH OPTIONS]: both trees, the watched one under cowwatch;
# $RESULT_DIR/NAME.json (cowwatch), NAME.account, NAME.outsider.
run() {
	local name=$1 outsider reader
	shift
	rm -f "$go"
	"$gt" --go "$go" --cpu 1 --file /tmp/gt-outsider anon=11,12 zero=4,4 file=3,3 thp=9,9 \
		huge=1,1 reuse=20 >"$RESULT_DIR/$name.outsider" &
	outsider=$!
	wait_for "$RESULT_DIR/$name.outsider" '"held"'
	"$COWWATCH_BIN" --json "$@" --top 100 -o "$RESULT_DIR/$name.json" -- \
		"$gt" --go "$go" --cpu 0 --file /tmp/gt-watched anon=7,30,64,5 zero=3,0,9,1 \
		file=2,5,0,4 thp=17,0,3,40 huge=1,0,0,2 reuse=50 >"$RESULT_DIR/$name.account" &
	reader=$!
	wait_for "$RESULT_DIR/$name.account" '"held"'
	touch "$go"
	wait "$reader" || fail "cowwatch -- groundtruth ($name) exited $?"
	wait "$outsider" || fail "the unwatched groundtruth ($name) exited $?"
	grep -q '"done":true' "$RESULT_DIR/$name.account" || fail "groundtruth ($name) did not finish"
}

# Every event (--events), then the default mode: the module's counts.
run events --events
python3 "$COWWATCH_SRC/tests/lib/check_groundtruth.py" "$RESULT_DIR/events.account" \
	"$RESULT_DIR/events.outsider" "$RESULT_DIR/events.json" ||
	fail "cowwatch --events differs from ground truth"
run counts
python3 "$COWWATCH_SRC/tests/lib/check_groundtruth.py" --summary-only \
	"$RESULT_DIR/counts.account" "$RESULT_DIR/counts.outsider" "$RESULT_DIR/counts.json" ||
	fail "cowwatch (counts) differs from ground truth"
unload_module
echo 0 >/proc/sys/vm/nr_hugepages
