#!/bin/bash
# Only watched processes are reported: a workload nobody watches yields
# nothing to a reader watching another process, and a process unwatched
# right after WATCH yields nothing either. Two readers of one process both
# get every event, each numbered from 0.
# guest-timeout: 120
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

N=17
load_module

sleep 1000 &
sleeper=$!
start_load a anon $N
start_reader idle -t 3000 watch "$sleeper"
go a
wait "$READER_PID" || fail "reader failed"
expect_eq "$(grep -c '^event\|^exit' "$RESULT_DIR/idle.log")" 0 "notifications about an unwatched workload"
kill "$sleeper"

start_load b anon $N
start_reader un -t 3000 -x "$LOAD_PID" watch "$LOAD_PID"
grep -q "^unwatched $LOAD_PID" "$RESULT_DIR/un.log" || wait_for "$RESULT_DIR/un.log" '^unwatched'
go b
wait "$READER_PID" || fail "reader failed"
expect_eq "$(grep -c '^event\|^exit' "$RESULT_DIR/un.log")" 0 "notifications after UNWATCH"

start_load c anon $N
start_reader one -u "$LOAD_PID" watch "$LOAD_PID"
r1=$READER_PID
start_reader two -u "$LOAD_PID" watch "$LOAD_PID"
r2=$READER_PID
go c
wait "$r1" || fail "reader one failed"
wait "$r2" || fail "reader two failed"
child=$(sed -n 's/^child=//p' "$RESULT_DIR/c.out")
for r in one two; do
	expect_eq "$(count_events "$RESULT_DIR/$r.log" "$child" copy "$LOAD_REGION" $N)" $N "reader $r: child copies"
	expect_eq "$(grep -m1 -o ' seq=[0-9]*' "$RESULT_DIR/$r.log")" " seq=0" "reader $r: first seq"
done
expect_eq "$(grep -c '^event' "$RESULT_DIR/one.log")" "$(grep -c '^event' "$RESULT_DIR/two.log")" "both readers saw the same number of events"
unload_module
