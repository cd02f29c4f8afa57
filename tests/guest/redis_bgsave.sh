#!/bin/bash
# Redis BGSAVE: Debian's redis-server holds 400,000 keys; cowwatch watches it
# (PID mode, following its forks); a client (redis-benchmark) keeps
# overwriting keys while BGSAVE's child writes the snapshot (about 20 s
# under TCG). Redis reports the child's
# copy-on-write size itself (INFO persistence: rdb_last_cow_size, the
# child's smaps Private_Dirty at the end); redis_bgsave.py compares it with
# what cowwatch attributed to the parent and the child during the save,
# within the tolerance it states and explains. Then a second BGSAVE under
# --stacks: the parent's copies must come with the SET command's chain.
# guest-timeout: 360
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
port=6399
dir=$(mktemp -d /tmp/redis.XXXXXX)
cli() { redis-cli -p "$port" "$@"; }
ip link set lo up	# the guest's loopback starts down
khugepaged_exact
trap khugepaged_restore EXIT
load_module
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
	--enable-debug-command local --logfile "$dir/log" &
redis=$!
for _ in $(seq 100); do [ "$(cli ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
expect_eq "$(cli ping)" PONG "redis-server answers"
expect_eq "$(cli debug populate 400000 key 100)" OK "400000 keys loaded"

"$COWWATCH_BIN" --json --events -o "$RESULT_DIR/out.json" "$redis" &
reader=$!
# Attached: the reader writes the watch records of all it watched then.
wait_for "$RESULT_DIR/out.json" '"type":"watch"' 600
python3 "$COWWATCH_SRC/tests/lib/redis_bgsave.py" run "$port" \
	redis-benchmark -p "$port" -t set -r 400000 -d 100 -n 100000000 -P 16 -c 2 -q \
	>"$RESULT_DIR/bgsave.json" || fail "BGSAVE run failed"
cat "$RESULT_DIR/bgsave.json"
kill -INT "$reader"
wait "$reader" || fail "cowwatch exited $?"
python3 "$COWWATCH_SRC/tests/lib/redis_bgsave.py" check "$RESULT_DIR/bgsave.json" "$RESULT_DIR/out.json" ||
	fail "cowwatch and Redis disagree"
# A second BGSAVE with --stacks: the parent's copies come with the command
# that made them (redis_bgsave.py stacks says what is required).
"$COWWATCH_BIN" --stacks --json -o "$RESULT_DIR/stacks.json" --folded "$RESULT_DIR/stacks.folded" \
	"$redis" 2>"$RESULT_DIR/stacks.err" &
reader=$!
wait_for "$RESULT_DIR/stacks.json" '"type":"watch"' 600
python3 "$COWWATCH_SRC/tests/lib/redis_bgsave.py" run "$port" \
	redis-benchmark -p "$port" -t set -r 400000 -d 100 -n 100000000 -P 16 -c 2 -q \
	>"$RESULT_DIR/bgsave-stacks.json" || fail "BGSAVE run with --stacks failed"
kill -INT "$reader"
wait "$reader" || fail "cowwatch --stacks exited $?"
cat "$RESULT_DIR/stacks.err"
cli shutdown nosave >/dev/null 2>&1 || true
wait "$redis" || true
python3 "$COWWATCH_SRC/tests/lib/redis_bgsave.py" stacks "$RESULT_DIR/stacks.json" "$RESULT_DIR/stacks.folded" ||
	fail "--stacks: the parent's copies lack the command's chain"
unload_module
rm -rf "$dir"
