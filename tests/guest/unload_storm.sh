#!/bin/bash
# Unloading while watched processes fork and write without a pause (unlike
# unload_busy.sh, nothing is held around rmmod) and one task sleeps inside
# do_wp_page(), parked there by a userfaultfd write-protect fault. The
# module disables its probes, lets the faults in flight return, and takes
# what has not returned out of its in-flight table before it unregisters,
# and says so:
# - rounds 1 and 2: the parked task stays parked across the unload, so
#   exactly one fault is left over, and it returns after the module is
#   gone;
# - rounds 3 and 4: it is let go while rmmod waits, so nothing is left
#   over.
# No kernel splat either way, and the module loads and works again.
#
# Before that order, a fault in flight when the do_wp_page() kretprobe was
# unregistered left its instance linked in the in-flight table; the
# kretprobe freed it a grace period after the call returned, and the next
# fault hashed to that bucket read it: an Oops in cw_rmap_pre(), found by
# the soak on 6.12. With a 500 ms sleep after that unregister (the window
# widened by hand), the old module Oopsed there at the first release during
# rmmod; the fixed module with the same sleep passed 12 such releases.
# guest-timeout: 240
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

for round in 1 2 3 4; do
	rm -f /tmp/cowload.unpark
	load_module ring_size=16
	start_load l1 loop 64
	p1=$LOAD_PID
	start_load l2 loop 64
	p2=$LOAD_PID
	start_load k uffdpark 1
	pk=$LOAD_PID
	start_reader r1 watch "$p1" "$p2" "$pk"
	r1=$READER_PID
	echo g >&"$GO_FD_l1"
	echo g >&"$GO_FD_l2"
	echo g >&"$GO_FD_k"
	wait_for "$RESULT_DIR/r1.log" '^event'
	wait_for "$RESULT_DIR/k.out" '^parked'
	dmesg -C
	if [ "$round" -le 2 ]; then
		leftover=1
		unload_module
	else
		leftover=''
		rmmod cowwatch &
		rm_pid=$!
		sleep 0.25
		touch /tmp/cowload.unpark
		wait "$rm_pid" || fail "round $round: rmmod failed"
		! module_loaded || fail "round $round: cowwatch still loaded after rmmod"
	fi
	wait "$r1" || fail "round $round: reader failed"
	expect_eq "$(tail -n 1 "$RESULT_DIR/r1.log" | cut -d' ' -f1)" gone "round $round: reader's last notification"
	[ "$(grep -c '^event ' "$RESULT_DIR/r1.log")" -gt 0 ] || fail "round $round: no events before the unload"
	expect_eq "$(dmesg | sed -n 's/.*cowwatch: write faults in flight at unload, not counted: \([0-9]*\).*/\1/p')" "$leftover" \
		"round $round: faults left in flight at unload"
	dmesg | grep -q 'cowwatch: unloaded' || fail "round $round: no unload message"
	# The storm goes on over the unloaded module, then the parked task returns.
	kill -0 "$p1" "$p2" || fail "round $round: a workload died at unload"
	touch /tmp/cowload.unpark
	wait_for "$RESULT_DIR/k.out" '^done$'
	sleep 0.5
	kill -0 "$p1" "$p2" || fail "round $round: a workload died after unload"
	kill "$p1" "$p2"
	wait "$p1" "$p2" 2>/dev/null || true
done

# Loaded again, it counts: a fresh storm's copies reach a reader.
load_module
start_load l1 loop 16
p1=$LOAD_PID
start_reader r1 watch "$p1"
r1=$READER_PID
echo g >&"$GO_FD_l1"
wait_for "$RESULT_DIR/r1.log" "^event .* outcome=copy "
echo "ok: copies seen after the module was loaded again"
kill "$p1"
wait "$p1" 2>/dev/null || true
kill -INT "$r1"
wait "$r1" 2>/dev/null || true
unload_module
