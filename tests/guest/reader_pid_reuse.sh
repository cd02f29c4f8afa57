#!/bin/bash
# A pid reused during the watch is a new process. With pid_max at 512,
# cowtree --serial forks 600 workers one after another, each after the one
# before exited; the kernel hands out the same pids again. Each worker
# copies 1-5 pages of the parent's region (a pattern that differs between
# the processes sharing a pid). The summary must hold one record per
# process, each with exactly its own copies: never two processes' counts
# merged under one pid (tests/lib/check_reuse.py). Exact needs nothing
# lost: count tables of 4096 slots, as 600 short-lived processes filled the
# default 512 between two drains once (25 faults lost, on 6.12 under one
# TCG thread); losses are counts_exact.sh's and overflow.sh's subject.
# guest-timeout: 300
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
tree=$COWWATCH_SRC/tests/workloads/cowtree
load_module count_slots=4096

pid_max=$(cat /proc/sys/kernel/pid_max)
echo 512 >/proc/sys/kernel/pid_max
# shellcheck disable=SC2046 # one argument per worker
"$COWWATCH_BIN" --json -o "$RESULT_DIR/out.json" -- "$tree" --serial \
	$(python3 -c 'print(" ".join(str(i * 7 % 5 + 1) for i in range(600)))') \
	>"$RESULT_DIR/tree.txt" || fail "cowwatch -- cowtree --serial exited $?"
echo "$pid_max" >/proc/sys/kernel/pid_max
python3 "$COWWATCH_SRC/tests/lib/check_reuse.py" "$RESULT_DIR/tree.txt" "$RESULT_DIR/out.json" ||
	fail "processes that shared a pid were not told apart"
unload_module
