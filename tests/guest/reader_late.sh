#!/bin/bash
# A reader that comes late: tests/workloads/latecomer stops its reader
# (cowwatch, its parent) before it maps a file and a hugetlb page, forks
# three workers that write them and exit, unmaps and unlinks it all, and
# only then lets the reader go. Whatever the reader reads then, the
# regions are named as they were at the fault (by the module), the program
# by its main thread, from its exec on; every record and the workers' own
# lines come out whole on the stdout they share (a pipe); fork and exit
# records mark each worker's life. tests/lib/check_late.py checks it all.
# guest-timeout: 120
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
late=$COWWATCH_SRC/tests/workloads/latecomer
# Whatever happens, the reader must not stay stopped.
trap 'pkill -CONT -x cowwatch 2>/dev/null || true; if module_loaded; then rmmod cowwatch || true; fi' EXIT

echo 4 >/proc/sys/vm/nr_hugepages
expect_eq "$(cat /proc/sys/vm/nr_hugepages)" 4 "huge pages reserved"
load_module
"$COWWATCH_BIN" --json --events --top 100 -- \
	"$late" "$RESULT_DIR/account.json" /tmp/late-data huge | cat >"$RESULT_DIR/stdout.txt" &
pipeline=$!
wait_for "$RESULT_DIR/account.json" '"done":true' 600
wait "$pipeline" || fail "cowwatch -- latecomer | cat exited $?"
python3 "$COWWATCH_SRC/tests/lib/check_late.py" "$RESULT_DIR/account.json" \
	"$RESULT_DIR/stdout.txt" || fail "a late reader named or counted something wrong"
unload_module
echo 0 >/proc/sys/vm/nr_hugepages
