#!/bin/bash
# guest-timeout: 600
set -uo pipefail
S=$COWWATCH_SRC/tests/bench/cowstorm
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
cat /sys/devices/system/clocksource/clocksource0/current_clocksource /sys/devices/system/clocksource/clocksource0/available_clocksource
storms() { for i in 1 2 3; do echo "$1 $($S --reuse 8 1 | sed 's/.*ns_per_fault=//') $($S 8 1 | sed 's/.*ns_per_fault=//')"; done; }
bt() { # bt NAME PROG
	bpftrace -e "$2" > /tmp/bt.out 2>&1 &
	local p=$!
	for i in $(seq 600); do grep -q Attaching /tmp/bt.out && break; sleep 0.1; done
	sleep 1
	storms "$1"
	kill -INT $p; wait $p
}
storms base
bt kprobe 'kprobe:do_wp_page { @[tid] = count(); }'
bt kretprobe 'kretprobe:do_wp_page { @[tid] = count(); }'
bt kprobe-ktime 'kprobe:do_wp_page { @[tid] = count(); @t = nsecs; }'
storms base
insmod $COWWATCH_KO
storms loaded
sleep 1000 & sl=$!
$COWWATCH_SRC/tests/bin/cwread watch $sl > /dev/null &
cr=$!
sleep 1
storms loaded-watch-other
kill $cr; wait $cr
kill $sl
# watched storm, cwread
for i in 1 2 3; do
  for v in "--reuse 8 1" "8 1"; do
	rm -f /tmp/go; mkfifo /tmp/go
	$S --hold $v < /tmp/go > /tmp/s.out &
	sp=$!
	exec 9>/tmp/go
	for j in $(seq 100); do grep -q held /tmp/s.out && break; sleep 0.1; done
	$COWWATCH_SRC/tests/bin/cwread -u $sp watch $sp > /dev/null &
	cr=$!
	sleep 1
	echo go >&9; exec 9>&-
	wait $sp; wait $cr
	echo "cwread $v $(sed 's/.*ns_per_fault=//' /tmp/s.out)"
  done
done
$COWWATCH_SRC/tests/bin/cwread stats
rmmod cowwatch
storms base
