#!/bin/bash
# Pages that were only read map the shared zero page. After fork the child
# writes each of N such pages: N "zero" copies; then the parent, whose PTEs
# still map the zero page, writes them: N "zero" copies of its own.
# guest-timeout: 90
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

N=23
load_module
start_load z zero $N
start_reader r -u "$LOAD_PID" watch "$LOAD_PID"
go z
wait "$READER_PID" || fail "reader failed"
child=$(sed -n 's/^child=//p' "$RESULT_DIR/z.out")
log=$RESULT_DIR/r.log
expect_eq "$(count_events "$log" "$child" zero "$LOAD_REGION" $N)" $N "child zero events"
expect_eq "$(count_events "$log" "$child" '*' "$LOAD_REGION" $N)" $N "child events in the region"
expect_eq "$(count_events "$log" "$LOAD_PID" zero "$LOAD_REGION" $N)" $N "parent zero events"
expect_eq "$(count_events "$log" "$LOAD_PID" '*' "$LOAD_REGION" $N)" $N "parent events in the region"
expect_eq "$(exit_counter "$log" "$LOAD_PID" zero)" $N "parent EXIT zero counter"
expect_eq "$(exit_counter "$log" "$child" zero)" $N "child EXIT zero counter"
unload_module
