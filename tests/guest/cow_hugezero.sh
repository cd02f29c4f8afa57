#!/bin/bash
# Writes to the huge zero page: an anonymous MADV_HUGEPAGE region that was
# only read maps it, 2 MiB at once; cowload writes one byte per huge page.
# The kernels differ, so the verdict goes by what the kernel did, read from
# the workload's own page flags (/proc/kpageflags): up to 6.12 the PMD is
# split (a "split" of 2 MiB, seen in do_huge_pmd_wp_page) and the write
# comes through do_wp_page as a "zero" of 4 KiB (the other 511 PTEs still
# map the zero page); from 6.13 (7.2) a new THP takes its place
# (do_huge_zero_wp_pmd), which the module sees through do_huge_pmd_wp_page:
# one "zero" of 2 MiB. Each write must be one "zero" event of the size the
# kernel made, after a split where the kernel split, and nothing else.
# guest-timeout: 90
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

N=4
load_module
start_load h hugezero $N
hz=$(sed -n 's/^hugezero=//p' "$RESULT_DIR/h.out")
expect_eq "$hz" $N "premise: huge pages mapping the huge zero page after the reads (THP $(cat /sys/kernel/mm/transparent_hugepage/enabled), use_zero_page $(cat /sys/kernel/mm/transparent_hugepage/use_zero_page))"
start_reader r -u "$LOAD_PID" watch "$LOAD_PID"
go h
wait "$READER_PID" || fail "reader failed"
thp=$(sed -n 's/^thp=//p' "$RESULT_DIR/h.out")
echo "kernel $(uname -r): $thp of $N huge zero pages replaced by a THP, $((N - thp)) split"
log=$RESULT_DIR/r.log
pages=$((N * 512))
size_events() { # size_events OUTCOME SIZE: events of that outcome and page size
	awk -v tgid="$LOAD_PID" -v out="$1" -v sz="$2" '$1 == "event" && $0 ~ " tgid=" tgid " " &&
		$0 ~ " outcome=" out " " && $0 ~ " size=" sz " " { c++ } END { print c + 0 }' "$log"
}
split=$((N - thp))
expect_eq "$(count_events "$log" "$LOAD_PID" '*' "$LOAD_REGION" $pages)" $((N + split)) "events in the region"
expect_eq "$(count_events "$log" "$LOAD_PID" zero "$LOAD_REGION" $pages)" $N "zero events in the region"
expect_eq "$(count_events "$log" "$LOAD_PID" split "$LOAD_REGION" $pages)" $split "split events in the region"
expect_eq "$(size_events zero 2097152)" "$thp" "zero events of 2 MiB (one per new THP)"
expect_eq "$(size_events zero 4096)" $split "zero events of 4 KiB (one per split huge zero page)"
expect_eq "$(size_events split 2097152)" $split "split events of 2 MiB (one per split huge zero page)"
expect_eq "$(exit_counter "$log" "$LOAD_PID" zero)" $N "EXIT zero counter"
expect_eq "$(exit_counter "$log" "$LOAD_PID" split)" $split "EXIT split counter"
unload_module
