#!/bin/bash
# With tiny rings (ring_size=16) a burst of thousands of faults overflows
# them: events are lost, but nothing is lost from the accounting. Every
# fault is either delivered or counted as lost for the reader, so the sum
# of all EXIT counters equals the events received plus the final lost
# count (in GONE), and the EXIT counters still say exactly N copies in the
# child's region... at least N (it also copies its stack and libc data).
# guest-timeout: 120
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

N=3000
# drain_at=0: no early drain, only the 5 ms batching delay, so 16 slots
# overflow for sure (an early drain can keep up with one writer).
load_module ring_size=16 drain_at=0
start_load a anon $N
start_reader r watch "$LOAD_PID"
go a
wait_for "$RESULT_DIR/r.log" "^exit pid=$LOAD_PID " 300
unload_module
wait "$READER_PID" || fail "reader failed"
log=$RESULT_DIR/r.log
child=$(sed -n 's/^child=//p' "$RESULT_DIR/a.out")
lost=$(sed -n 's/^gone lost=\([0-9]*\) .*/\1/p' "$log")
[ -n "$lost" ] || fail "no GONE"
[ "$lost" -gt 0 ] || fail "nothing lost: the test did not overflow"
events=$(grep -c '^event' "$log")
total=$(awk '$1 == "exit" { for (i = 4; i <= NF; i++) if ($i !~ /^seq=/) { split($i, kv, "="); s += kv[2] } } END { print s + 0 }' "$log")
echo "events=$events lost=$lost total=$total"
expect_eq "$((events + lost))" "$total" "events received + lost = all outcomes counted"
copies=$(exit_counter "$log" "$child" copy)
[ "$copies" -ge $N ] || fail "child EXIT copy counter $copies < $N"
echo "ok: child EXIT copy counter $copies >= $N"
# Sequence numbers have no gaps: the socket itself dropped nothing.
awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^seq=/) s = substr($i, 5) } $1 != "event" && $1 != "file" && $1 != "count" && / seq=/ { if (s != n++) { print "gap at " s; exit 1 } }' "$log" ||
	fail "sequence gap"
