#!/bin/bash
# Unloading while watched processes are alive with events buffered, their
# readers are connected, and one task sleeps inside do_wp_page() (parked
# there by a userfaultfd write-protect fault, so its kretprobe instance is
# in flight): no splat, each reader gets GONE as its last notification,
# the parked task returns safely after the module is gone, the workloads
# go on, and the module loads and works again.
#
# The fork-and-write loops are held (SIGUSR1, between two rounds) around
# insmod and rmmod: under qemu TCG, live patching of an ftrace site
# (which is what registering or unregistering a kprobe on do_wp_page does)
# while another vCPU runs that very function crashes the guest even with
# no module at all ("Oops: int3" at do_wp_page+0x1 on 6.12, an int3 loop
# on 6.1; reproduced by toggling the function tracer on do_wp_page). On
# real hardware the text_poke_bp() protocol covers that case.
# guest-timeout: 120
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

for round in 1 2; do
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
	start_reader r2 watch "$p1"
	r2=$READER_PID
	echo g >&"$GO_FD_l1"
	echo g >&"$GO_FD_l2"
	echo g >&"$GO_FD_k"
	wait_for "$RESULT_DIR/r1.log" '^event'
	wait_for "$RESULT_DIR/k.out" '^parked'
	sleep 1
	"$CWREAD" stats >"$RESULT_DIR/stats.$round" || fail "stats"
	kill -USR1 "$p1" "$p2"
	wait_for "$RESULT_DIR/l1.out" '^held'
	wait_for "$RESULT_DIR/l2.out" '^held'
	unload_module
	for r in "$r1" "$r2"; do
		wait "$r" || fail "round $round: reader $r failed"
	done
	for r in r1 r2; do
		expect_eq "$(tail -n 1 "$RESULT_DIR/$r.log" | cut -d' ' -f1)" gone "round $round: $r's last notification"
	done
	touch /tmp/cowload.unpark
	wait_for "$RESULT_DIR/k.out" '^done$'
	kill -USR2 "$p1" "$p2"
	sleep 0.5
	kill -0 "$p1" "$p2" || fail "round $round: a workload died after unload"
	kill "$p1" "$p2"
	wait "$p1" "$p2" 2>/dev/null || true
done
cat "$RESULT_DIR"/stats.*
