#!/bin/bash
# MAP_PRIVATE file pages: writing a page that a read mapped copies the page
# cache page in do_wp_page: N "file" events carrying the file's device and
# inode. Writing a page never read copies in do_cow_fault(), which
# cowwatch does not see: 0 events (a documented gap).
# guest-timeout: 90
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

N=19
load_module
start_load f file $N /tmp/cw-file
start_reader r -u "$LOAD_PID" watch "$LOAD_PID"
go f
wait "$READER_PID" || fail "reader failed"
log=$RESULT_DIR/r.log
expect_eq "$(count_events "$log" "$LOAD_PID" file "$LOAD_REGION" $N)" $N "file events"
expect_eq "$(count_events "$log" "$LOAD_PID" '*' "$LOAD_REGION" $N)" $N "events in the region"
ino=$(stat -c %i /tmp/cw-file) dev=$(stat -c %d /tmp/cw-file)
expect_eq "$(grep -c "^event .* outcome=file .* dev=$dev ino=$ino " "$log")" $N "file events naming the file"
expect_eq "$(exit_counter "$log" "$LOAD_PID" file)" $N "EXIT file counter"

start_load c filecold $N /tmp/cw-cold
start_reader r2 -u "$LOAD_PID" watch "$LOAD_PID"
go c
wait "$READER_PID" || fail "reader failed"
expect_eq "$(count_events "$RESULT_DIR/r2.log" "$LOAD_PID" '*' "$LOAD_REGION" $N)" 0 "events for never-read pages"
unload_module
