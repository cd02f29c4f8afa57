#!/bin/bash
# A child that writes N pages of anonymous memory it shares with its parent
# after fork makes exactly N copies, all in that region, all its own; the
# parent makes none there. The EXIT counters agree with the events. The
# child is watched only because it was forked by a watched process.
# guest-timeout: 90
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

N=37
load_module
start_load a anon $N
start_reader r -u "$LOAD_PID" watch "$LOAD_PID"
go a
wait "$READER_PID" || fail "reader failed: $(cat "$RESULT_DIR/r.log")"
child=$(sed -n 's/^child=//p' "$RESULT_DIR/a.out")
log=$RESULT_DIR/r.log

expect_eq "$(count_events "$log" "$child" copy "$LOAD_REGION" $N)" $N "child copy events in the region"
expect_eq "$(count_events "$log" "$child" '*' "$LOAD_REGION" $N)" $N "child events of any kind in the region"
expect_eq "$(count_events "$log" "$LOAD_PID" '*' "$LOAD_REGION" $N)" 0 "parent events in the region"
# Outside the region the child breaks sharing too (stack, libc data): its
# EXIT total counts those as well, and must equal its copy events.
expect_eq "$(exit_counter "$log" "$child" copy)" \
	"$(grep -c "^event .* tgid=$child .* outcome=copy " "$log")" "child EXIT copy counter = its copy events"
expect_eq "$(exit_counter "$log" "$LOAD_PID" copy)" \
	"$(grep -c "^event .* tgid=$LOAD_PID .* outcome=copy " "$log")" "parent EXIT copy counter = its copy events"
grep -q "^exit pid=$child " "$log" || fail "no EXIT for the child"
# Every event carries its page size, the task's name and a user address.
bad=$(awk '$1 == "event" && ($9 != "size=4096" || $5 != "comm=cowload")' "$log" | head -3)
[ -z "$bad" ] || fail "malformed events: $bad"
# Sequence numbers: 0, 1, 2, ... without gaps.
awk '/ seq=/ { for (i = 2; i <= NF; i++) if ($i ~ /^seq=/) s = substr($i, 5) } $1 != "event" && $1 != "file" && $1 != "count" && / seq=/ { if (s != n++) { print "gap at " s; exit 1 } }' "$log" ||
	fail "sequence gap"
grep -q '^idle' "$log" && fail "reader went idle"
unload_module
