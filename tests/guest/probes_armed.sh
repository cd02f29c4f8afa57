#!/bin/bash
# Nothing watched, nothing paid: the module's probes are armed only while
# a process is watched (GET_STATS armed=, wp_hits=). Unwatched faults with
# nothing watched hit no probe; while a reader watches a sleeper, every
# process's write faults hit the probe; once the reader is gone the probes
# are disarmed again, and a WATCH that fails (a zombie's: ESRCH) leaves
# them disarmed. The event rings exist only once a reader asked for
# events: until then the module's buffers per CPU are its two count tables,
# at most 128 KiB (GET_STATS bytes_per_cpu).
# The module's default (idle_disarm=1, what the other tests load too),
# then idle_disarm=0.
# guest-timeout: 120
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"
tree=$COWWATCH_SRC/tests/workloads/cowtree
stat_field() { "$CWREAD" stats | sed -n "s/\(^\|.* \)$1=\([0-9]*\).*/\2/p"; }
# wait_stat FIELD VALUE: GET_STATS's FIELD becomes VALUE (disarming runs in a work item).
wait_stat() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(stat_field "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	fail "GET_STATS $1 stayed $(stat_field "$1"), expected $2"
}

load_module idle_disarm=1
expect_eq "$(stat_field armed)" 0 "armed after load"
counts_bytes=$(stat_field bytes_per_cpu)
[ "$counts_bytes" -gt 0 ] && [ "$counts_bytes" -le $((128 * 1024)) ] ||
	fail "module buffers per CPU with no events reader: $counts_bytes bytes"
echo "ok: buffers per CPU without an events reader: $counts_bytes bytes"
"$tree" 64 64 >/dev/null
expect_eq "$(stat_field wp_hits)" 0 "probe hits of unwatched faults, nothing watched"

sleep 1000 &
sleeper=$!
"$CWREAD" -c watch "$sleeper" >"$RESULT_DIR/counts.out" 2>&1 &
reader=$!
wait_watched 1
expect_eq "$(stat_field armed)" 1 "armed while a reader watches"
"$tree" 64 64 >/dev/null
hits=$(stat_field wp_hits)
[ "$hits" -ge 128 ] || fail "probe hits of 128 unwatched copies while armed: $hits"
echo "ok: $hits probe hits while armed"
expect_eq "$(stat_field bytes_per_cpu)" "$counts_bytes" "no rings for a reader of counts"
kill "$reader"
wait "$reader" || true
wait_watched 0
wait_stat armed 0
hits=$(stat_field wp_hits)
"$tree" 64 64 >/dev/null
expect_eq "$(stat_field wp_hits)" "$hits" "probe hits after the last reader left"

"$CWREAD" watch "$sleeper" >"$RESULT_DIR/events.out" 2>&1 &
reader=$!
wait_watched 1
ring=$(($(stat_field bytes_per_cpu) - counts_bytes))
[ "$ring" -ge $((4096 * 100)) ] || fail "ring bytes per CPU with an events reader: $ring"
echo "ok: an events reader's rings: $ring bytes per CPU"
kill "$reader" "$sleeper"
wait "$reader" "$sleeper" 2>/dev/null || true
wait_watched 0
wait_stat armed 0

# A WATCH of a process that is exiting (a zombie: its pid still found, no
# thread alive) fails with ESRCH, and leaves nothing armed: the WATCH arms
# before it looks (the first fault after it must be seen), and disarms
# again when it adds nothing. Found by the soak: a reader that came as its
# tree exited left the probes armed with nothing watched.
python3 -c 'import os, sys, time
pid = os.fork()
if pid == 0:
    os._exit(0)
print(pid, flush=True)
time.sleep(60)' >"$RESULT_DIR/zombie.out" &
zparent=$!
wait_for "$RESULT_DIR/zombie.out" '^[0-9]'
zombie=$(cat "$RESULT_DIR/zombie.out")
for ((i = 0; i < 100; i++)); do
	grep -q '^State:.*Z' "/proc/$zombie/status" 2>/dev/null && break
	sleep 0.1
done
grep -q '^State:.*Z' "/proc/$zombie/status" || fail "process $zombie is no zombie"
out=$("$CWREAD" watch "$zombie" 2>&1) && fail "watching a zombie succeeded: $out"
grep -q ESRCH <<<"$out" || fail "watching a zombie: $out"
echo "ok: watching a zombie: ESRCH"
wait_stat armed 0
echo "ok: nothing armed after a WATCH that added nothing"
kill "$zparent"
wait "$zparent" 2>/dev/null || true
unload_module

# idle_disarm=0: armed from load to unload.
load_module idle_disarm=0
expect_eq "$(stat_field armed)" 1 "armed after load with idle_disarm=0"
"$tree" 16 >/dev/null
[ "$(stat_field wp_hits)" -ge 16 ] || fail "idle_disarm=0: no probe hits with nothing watched"
unload_module
