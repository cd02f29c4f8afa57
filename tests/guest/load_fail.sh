#!/bin/bash
# A symbol the module needs is missing: insmod fails with ENOENT and one
# kernel log line naming it, and undoes what it had set up: with the
# new-anon-rmap kprobe already registered when do_wp_page is missing,
# a left-over probe would crash the next fault. Then a normal load works
# (the netlink family and tracepoints were released) and sees copies.
# guest-timeout: 90
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

for param in wp_symbol=cw_no_such_function rmap_symbol=cw_no_such_function; do
	dmesg -C
	rc=0
	out=$(insmod "$COWWATCH_KO" "$param" 2>&1) || rc=$?
	[ "$rc" != 0 ] || fail "insmod $param succeeded"
	grep -q "No such file or directory\|Unknown symbol" <<<"$out" || fail "insmod $param: $out"
	! module_loaded || fail "module loaded with $param"
	expect_eq "$(dmesg | grep -c 'cowwatch: missing symbol: cw_no_such_function$')" 1 "$param: one line naming the symbol"
	# Faults, forks and exits after the failed load must not crash.
	"$COWLOAD" anon 64 </dev/null >/dev/null || fail "workload after failed load"
done

N=11
load_module
dmesg | grep -q 'cowwatch: probing do_wp_page and \(folio\|page\)_add_new_anon_rmap' || fail "no probe message"
start_load a anon $N
start_reader r -u "$LOAD_PID" watch "$LOAD_PID"
go a
wait "$READER_PID" || fail "reader failed"
child=$(sed -n 's/^child=//p' "$RESULT_DIR/a.out")
expect_eq "$(count_events "$RESULT_DIR/r.log" "$child" copy "$LOAD_REGION" $N)" $N "child copies after the failed loads"
case $COWWATCH_SERIES in
6.1) want=page_add_new_anon_rmap ;;
*) want=folio_add_new_anon_rmap ;;
esac
expect_eq "$("$CWREAD" stats | sed -n 's/.* rmap_symbol=//p')" $want "rmap probe chosen for $COWWATCH_SERIES"
unload_module
