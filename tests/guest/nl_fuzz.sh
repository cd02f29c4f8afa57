#!/bin/bash
# Netlink fuzzing (tests/bin/nlfuzz): requests of every command number
# (0-255) with random, malformed, truncated and nested attributes, edge pids
# and every flag bit, from 4 root sockets and 2 of nobody's at once, while a
# fork-and-write loop runs watched by a root reader, and other readers
# come and go. Every request must get an error or an ack within 10 s;
# nobody's requests may neither watch nor unwatch root's process, nor
# hear of it; the root reader keeps its watch and its counts; the module
# unloads; no splat (the harness). The seeds are printed: nlfuzz -s SEED
# replays a run.
# guest-timeout: 300
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"
FUZZ=$CW_BIN/nlfuzz
N=${NLFUZZ_COUNT:-4000}
seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
: >/tmp/nl_fuzz.churned

load_module
start_load l loop 16
p=$LOAD_PID
echo g >&"$GO_FD_l"
start_reader keeper -c watch "$p"
keeper=$READER_PID
"$COWLOAD" idleas 65534 </dev/null >"$RESULT_DIR/idle.out" 2>&1 &
own=$!
wait_for "$RESULT_DIR/idle.out" '^pid='

# Readers that come and go meanwhile.
(
	set +e
	while :; do
		timeout 0.5 "$CWREAD" watch "$p" >/dev/null 2>&1
		timeout 0.5 "$CWREAD" -c -d watch "$p" >/dev/null 2>&1
		echo x >>/tmp/nl_fuzz.churned
	done
) &
churn=$!
wait_for /tmp/nl_fuzz.churned x

"$FUZZ" -n "$N" -j 4 -s "$seed" -t "$p" >"$RESULT_DIR/root.out" 2>&1 &
root=$!
"$FUZZ" -n "$N" -j 2 -s "$((seed + 1))" -U 65534 -t "$p" -f "$own" >"$RESULT_DIR/nobody.out" 2>&1 &
nobody=$!
rc_root=0 rc_nobody=0
wait "$root" || rc_root=$?
wait "$nobody" || rc_nobody=$?
kill -0 "$churn" || fail "the readers coming and going stopped"
# One more round after the fuzzing: they went on through it.
n=$(wc -l </tmp/nl_fuzz.churned)
for ((i = 0; i < 200; i++)); do
	[ "$(wc -l </tmp/nl_fuzz.churned)" -gt "$n" ] && break
	sleep 0.1
done
[ "$(wc -l </tmp/nl_fuzz.churned)" -gt "$n" ] || fail "the readers coming and going got stuck"
kill "$churn"
wait "$churn" 2>/dev/null || true
echo "ok: readers came and went $(wc -l </tmp/nl_fuzz.churned) times"
cat "$RESULT_DIR/root.out" "$RESULT_DIR/nobody.out"
expect_eq "$rc_root" 0 "root fuzzer (seed $seed): every request answered"
expect_eq "$rc_nobody" 0 "nobody's fuzzer (seed $((seed + 1))): answered, root's process untouched"
for f in root nobody; do
	sent=$(awk -F'[ =]' '/^socket/ { s += $4 } END { print s + 0 }' "$RESULT_DIR/$f.out")
	[ "$sent" -ge $((N / 2)) ] || fail "$f: only $sent requests sent"
	echo "ok: $f: $sent requests sent and answered"
done

# The root reader kept its watch: its process's counts still come.
before=$(grep -c '^count' "$RESULT_DIR/keeper.log" || true)
kill -0 "$keeper" || fail "the root reader died"
for ((i = 0; i < 100; i++)); do
	[ "$(grep -c '^count' "$RESULT_DIR/keeper.log" || true)" -gt "$before" ] && break
	sleep 0.1
done
[ "$(grep -c '^count' "$RESULT_DIR/keeper.log" || true)" -gt "$before" ] ||
	fail "the root reader gets no counts after the fuzzing"
echo "ok: the root reader still gets its process's counts"
kill "$keeper" "$own"
wait "$keeper" "$own" 2>/dev/null || true
kill -USR1 "$p"
wait_for "$RESULT_DIR/l.out" '^held'
unload_module
kill "$p"
wait "$p" 2>/dev/null || true
