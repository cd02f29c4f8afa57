#!/bin/bash
# guest-timeout: 600
set -uo pipefail
S=$COWWATCH_SRC/tests/bench/cowstorm
insmod $COWWATCH_KO
for i in 1 2 3 4 5 6 7 8; do
  for v in "--reuse 16 1" "16 1"; do
	echo "unwatched $v $($S $v | sed 's/.*ns_per_fault=//')"
	rm -f /tmp/go; mkfifo /tmp/go
	$S --hold $v < /tmp/go > /tmp/s.out &
	sp=$!
	exec 9>/tmp/go
	for j in $(seq 100); do grep -q held /tmp/s.out && break; sleep 0.1; done
	$COWWATCH_SRC/tests/bin/cwread -u $sp watch $sp > /dev/null &
	cr=$!
	sleep 0.5
	echo go >&9; exec 9>&-
	wait $sp; wait $cr
	echo "cwread $v $(sed 's/.*ns_per_fault=//' /tmp/s.out | tail -1)"
  done
done
rmmod cowwatch
