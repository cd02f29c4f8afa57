#!/bin/bash
# After fork, the child exits without writing: the parent is again the only
# owner of its pages, and writing each of N pages reuses it in place (the
# PTE was write-protected at fork): N "reuse", no copy. Nothing for the
# child in the region.
# guest-timeout: 90
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

N=29
load_module
start_load u reuse $N
start_reader r -u "$LOAD_PID" watch "$LOAD_PID"
go u
wait "$READER_PID" || fail "reader failed"
child=$(sed -n 's/^child=//p' "$RESULT_DIR/u.out")
log=$RESULT_DIR/r.log
expect_eq "$(count_events "$log" "$LOAD_PID" reuse "$LOAD_REGION" $N)" $N "parent reuse events"
expect_eq "$(count_events "$log" "$LOAD_PID" '*' "$LOAD_REGION" $N)" $N "parent events in the region"
expect_eq "$(count_events "$log" "$child" '*' "$LOAD_REGION" $N)" 0 "child events in the region"
expect_eq "$(exit_counter "$log" "$LOAD_PID" reuse)" \
	"$(grep -c "^event .* tgid=$LOAD_PID .* outcome=reuse " "$log")" "EXIT reuse counter = reuse events"
unload_module
