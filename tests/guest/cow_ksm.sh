#!/bin/bash
# N pages of equal content merged by KSM all map one KSM page: writing each
# copies it, N "ksm" events (not "copy": the old page is a KSM page).
# guest-timeout: 120
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

K=/sys/kernel/mm/ksm
N=16
echo 0 >$K/use_zero_pages 2>/dev/null || true
echo 10 >$K/sleep_millisecs
echo 1000 >$K/pages_to_scan
echo 1 >$K/run
load_module
start_load k ksm $N
# Merged (cowload waited for it): ksmd stops, keeping the merged pages. A
# running ksmd may merge a fresh copy back into the KSM page before the
# write that made it lands, and the kernel then really copies twice (seen:
# 17 events for 16 pages).
echo 0 >$K/run
start_reader r -u "$LOAD_PID" watch "$LOAD_PID"
go k
wait "$READER_PID" || fail "reader failed"
echo 2 >$K/run	# unmerge everything
log=$RESULT_DIR/r.log
expect_eq "$(count_events "$log" "$LOAD_PID" ksm "$LOAD_REGION" $N)" $N "ksm events"
expect_eq "$(count_events "$log" "$LOAD_PID" '*' "$LOAD_REGION" $N)" $N "events in the region"
expect_eq "$(exit_counter "$log" "$LOAD_PID" ksm)" $N "EXIT ksm counter"
unload_module
