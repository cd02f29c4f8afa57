#!/bin/bash
# hugetlb pages break CoW in hugetlb_wp(), not do_wp_page(): a child that
# writes N shared 2 MiB private hugetlb pages makes N copies of page size
# 2 MiB; the parent makes none.
# guest-timeout: 90
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

N=3
echo $((2 * N + 2)) >/proc/sys/vm/nr_hugepages
expect_eq "$(cat /proc/sys/vm/nr_hugepages)" $((2 * N + 2)) "huge pages reserved"
load_module
dmesg | grep -q 'cowwatch: hugetlb copies not seen' && fail "$(dmesg | grep 'cowwatch: hugetlb')"
start_load h huge $N
start_reader r -u "$LOAD_PID" watch "$LOAD_PID"
go h
wait "$READER_PID" || fail "reader failed"
child=$(sed -n 's/^child=//p' "$RESULT_DIR/h.out")
log=$RESULT_DIR/r.log
expect_eq "$(count_events "$log" "$child" copy "$LOAD_REGION" $((N * 512)))" $N "child copies"
expect_eq "$(count_events "$log" "$child" '*' "$LOAD_REGION" $((N * 512)))" $N "child events in the region"
expect_eq "$(grep "^event .* tgid=$child .* outcome=copy " "$log" | grep -c " size=2097152 ")" $N "copies of 2 MiB pages"
expect_eq "$(count_events "$log" "$LOAD_PID" '*' "$LOAD_REGION" $((N * 512)))" 0 "parent events in the region"
unload_module
echo 0 >/proc/sys/vm/nr_hugepages
