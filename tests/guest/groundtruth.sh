#!/bin/bash
# Ground truth: tests/workloads/groundtruth breaks copy-on-write sharing in
# every way cowwatch tells apart and writes down exactly what it did; the
# reader (cowwatch --json --events) must agree page for page. Four workers,
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
# guest-timeout: 180
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
gt=$COWWATCH_SRC/tests/workloads/groundtruth
go=/tmp/gt-go
rm -f "$go"
# Huge pages: each tree's own (2 + 3) plus one per worker copy (3 + 2), and spare.
echo 16 >/proc/sys/vm/nr_hugepages
expect_eq "$(cat /proc/sys/vm/nr_hugepages)" 16 "huge pages reserved"
load_module

"$gt" --go "$go" --cpu 1 --file /tmp/gt-outsider anon=11,12 zero=4,4 file=3,3 thp=9,9 \
	huge=1,1 reuse=20 >"$RESULT_DIR/outsider.json" &
outsider=$!
wait_for "$RESULT_DIR/outsider.json" '"held"'
"$COWWATCH_BIN" --json --events --top 100 -o "$RESULT_DIR/out.json" -- \
	"$gt" --go "$go" --cpu 0 --file /tmp/gt-watched anon=7,30,64,5 zero=3,0,9,1 \
	file=2,5,0,4 thp=17,0,3,40 huge=1,0,0,2 reuse=50 >"$RESULT_DIR/account.json" &
reader=$!
wait_for "$RESULT_DIR/account.json" '"held"'
touch "$go"
wait "$reader" || fail "cowwatch -- groundtruth exited $?"
wait "$outsider" || fail "the unwatched groundtruth exited $?"
grep -q '"done":true' "$RESULT_DIR/account.json" || fail "groundtruth did not finish"
python3 "$COWWATCH_SRC/tests/lib/check_groundtruth.py" "$RESULT_DIR/account.json" \
	"$RESULT_DIR/outsider.json" "$RESULT_DIR/out.json" || fail "cowwatch differs from ground truth"
unload_module
echo 0 >/proc/sys/vm/nr_hugepages
