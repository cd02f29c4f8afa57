#!/bin/bash
# The default mode's counts (COWWATCH_CMD_COUNTS) as the module sends
# them, read raw by tests/bin/cwread -c: a groundtruth tree (copies, zero
# fills, private file copies, THP 4 KiB copies, hugetlb copies, reuses;
# workers that live milliseconds) watched in PID mode with its workers.
#   1. Default table: for every process, the count records of each outcome
#      add up to the kernel's exit counter of that outcome exactly, none is
#      lost, and a file region's path comes before its first record.
#   2. count_slots=16: a table that fills (the same tree, then 300 workers
#      of tests/workloads/cowtree let go at once: 300 processes' counts on
#      one CPU within milliseconds). The records plus the losses the
#      module reports still add up to the exit counters.
# tests/lib/check_counts.py does the sums.
# guest-timeout: 240
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"
gt=$COWWATCH_SRC/tests/workloads/groundtruth
echo 16 >/proc/sys/vm/nr_hugepages
expect_eq "$(cat /proc/sys/vm/nr_hugepages)" 16 "huge pages reserved"

# run NAME: one watched tree; $RESULT_DIR/NAME.account and NAME.out.
run() {
	local name=$1 go=/tmp/go-$1 pid reader
	rm -f "$go"
	"$gt" --go "$go" --cpu 0 --file "/tmp/gt-$name" anon=7,30,64,5 zero=3,0,9,1 \
		file=2,5,0,4 thp=17,0,3,40 huge=1,0,0,2 reuse=50 >"$RESULT_DIR/$name.account" &
	pid=$!
	wait_for "$RESULT_DIR/$name.account" '"held"'
	"$CWREAD" -c -d -u "$pid" watch "$pid" >"$RESULT_DIR/$name.out" 2>&1 &
	reader=$!
	wait_watched 5
	touch "$go"
	wait "$pid" || fail "groundtruth ($name) exited $?"
	wait "$reader" || fail "cwread ($name) exited $?"
	grep -q '"done":true' "$RESULT_DIR/$name.account" || fail "groundtruth ($name) did not finish"
}

load_module
run default
python3 "$COWWATCH_SRC/tests/lib/check_counts.py" --exact "$RESULT_DIR/default.account" \
	"$RESULT_DIR/default.out" 5 || fail "default table: counts differ from the exit counters"
unload_module

load_module count_slots=16
run small
python3 "$COWWATCH_SRC/tests/lib/check_counts.py" "$RESULT_DIR/small.account" \
	"$RESULT_DIR/small.out" 5 || fail "16-slot table: counts and losses differ from the exit counters"
# shellcheck disable=SC2046
start_held_tree 600 $(for _ in $(seq 300); do echo 2; done)
"$CWREAD" -c -d -u "$TREE_PID" watch "$TREE_PID" >"$RESULT_DIR/wide.out" 2>&1 &
reader=$!
wait_watched 301 1200
release_tree
wait "$TREE_PID" || fail "cowtree exited $?"
wait "$reader" || fail "cwread (wide) exited $?"
python3 "$COWWATCH_SRC/tests/lib/check_counts.py" "$RESULT_DIR/tree.txt" \
	"$RESULT_DIR/wide.out" 301 || fail "16-slot table, 300 workers: counts and losses differ"
unload_module
echo 0 >/proc/sys/vm/nr_hugepages
