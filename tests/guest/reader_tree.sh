#!/bin/bash
# cowwatch -- cowtree: a parent and four short-lived workers (one writing
# from a second thread) that each copy a known number of pages of one
# region. The reader must attribute exactly those pages to each worker, to
# the region ([anon], its start) and to the function that wrote
# (cw_worker_write in cowtree), in events, exit records and the summary,
# with the kernel's exact counts; and exit with the command's status.
# guest-timeout: 180
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
tree=$COWWATCH_SRC/tests/workloads/cowtree
load_module

"$COWWATCH_BIN" --json --events -o "$RESULT_DIR/out.json" -- "$tree" 7 30 64 5 \
	>"$RESULT_DIR/tree.txt" || fail "cowwatch -- cowtree exited $?"
cat "$RESULT_DIR/tree.txt"
python3 "$COWWATCH_SRC/tests/lib/check_tree.py" "$RESULT_DIR/tree.txt" "$RESULT_DIR/out.json" ||
	fail "attribution differs from ground truth"

# Command mode passes the command's exit status through.
set +e
"$COWWATCH_BIN" -o /dev/null -- sh -c 'exit 7'
expect_eq "$?" 7 "exit status of a command that exits 7"
"$COWWATCH_BIN" -o /dev/null -- sh -c 'kill -KILL $$'
expect_eq "$?" 137 "exit status of a command killed by SIGKILL"
"$COWWATCH_BIN" -o /dev/null -- /nonexistent/command 2>"$RESULT_DIR/err"
expect_eq "$?" 127 "exit status when the command cannot run"
grep -q '^cowwatch: cannot run /nonexistent/command' "$RESULT_DIR/err" || fail "no clear error for a missing command"
set -e
unload_module
