#!/bin/bash
# A forked child writes N shared pages from two threads: N copies, each
# naming the thread that made it (two tids, neither the leader's), and one
# EXIT for the whole child when its last thread is gone.
# guest-timeout: 90
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

N=40
load_module
start_load t threads $N
start_reader r -u "$LOAD_PID" watch "$LOAD_PID"
go t
wait "$READER_PID" || fail "reader failed"
child=$(sed -n 's/^child=//p' "$RESULT_DIR/t.out")
tids=$(sed -n 's/^tid=//p' "$RESULT_DIR/t.out" | sort -n | tr '\n' ' ')
log=$RESULT_DIR/r.log
expect_eq "$(count_events "$log" "$child" copy "$LOAD_REGION" $N)" $N "child copies"
for t in $tids; do
	[ "$t" != "$child" ] || fail "a writer thread has the leader's id"
	expect_eq "$(grep "^event .* tgid=$child tid=$t " "$log" | awk -v lo="$((LOAD_REGION))" -v n=$N '
		function hex(s,    i, v) { v = 0; s = tolower(substr(s, 3))
			for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return v }
		{ split($6, kv, "="); a = hex(kv[2]); if (a >= lo && a < lo + n * 4096) c++ } END { print c + 0 }')" $((N / 2)) "copies by thread $t"
done
expect_eq "$(grep -c "^exit pid=$child " "$log")" 1 "EXIT messages for the child"
unload_module
