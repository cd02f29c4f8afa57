#!/bin/bash
# Readers come and go while their process forks and breaks CoW sharing:
# each closing socket (NETLINK_URELEASE) must take its reader off every
# process, followed children included. With all readers gone, nothing is
# watched any more (GET_STATS: watched=0), and no splat.
# guest-timeout: 120
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

# The readers print every event of a fork storm: into the guest's tmpfs,
# where writing megabytes costs little, not through 9p to the host, where
# a killed reader's last writes held the test up for minutes.
out=$(mktemp -d /tmp/churn.XXXXXX)
load_module
start_load l loop 32
p=$LOAD_PID
echo g >&"$GO_FD_l"
for round in $(seq 8); do
	pids=()
	for i in 1 2 3; do
		"$CWREAD" watch "$p" >"$out/churn.$round.$i" 2>&1 &
		pids+=($!)
	done
	# One more that unwatches right away and then leaves when idle.
	"$CWREAD" -t 100 -x "$p" watch "$p" >"$out/churn.$round.x" 2>&1 &
	xpid=$!
	for i in 1 2 3; do
		wait_for "$out/churn.$round.$i" '^watching'
	done
	sleep 0.2
	# Killed: the socket closes under a live stream.
	kill "${pids[@]}"
	for r in "${pids[@]}"; do
		wait "$r" 2>/dev/null || true
	done
	wait "$xpid" || fail "round $round: the unwatching reader failed"
	grep -q '^unwatched' "$out"/churn."$round".x || fail "round $round: reader did not unwatch"
done
grep -q '^event' "$out"/churn.* || fail "no reader saw an event"
expect_eq "$("$CWREAD" stats | sed -n 's/.* watched=\([0-9]*\) .*/\1/p')" 0 "processes watched after all readers left"
kill -USR1 "$p"
wait_for "$RESULT_DIR/l.out" '^held'
unload_module
kill "$p"
