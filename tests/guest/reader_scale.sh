#!/bin/bash
# 1000 workers, held until cowwatch has attached to all of them, then let
# go at once: a burst of copies from 1000 processes. cowwatch must lose no
# event, attribute every worker exactly (tests/lib/check_tree.py), report
# 1000 exits, and stay under 20 MiB of resident memory (peak, VmHWM).
# guest-timeout: 300
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
workers=1000
load_module

# shellcheck disable=SC2046
start_held_tree 600 $(for _ in $(seq $workers); do echo 4; done)
tree_pid=$TREE_PID

"$COWWATCH_BIN" --json --events -o "$RESULT_DIR/out.json" "$tree_pid" &
reader=$!
# Attached once the module watches the parent and all its workers (a fixed
# wait after the workers were forked raced the attach on a loaded host).
wait_watched $((workers + 1)) 1200
release_tree
hwm=0
while kill -0 "$reader" 2>/dev/null; do
	v=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$reader/status" 2>/dev/null || true)
	[ -n "$v" ] && hwm=$v
	sleep 0.2
done
wait "$reader" || fail "cowwatch exited $?"
wait "$tree_pid" || fail "cowtree failed"
echo "peak resident memory of cowwatch watching $((workers + 1)) processes: $hwm kB"
[ "$hwm" -gt 0 ] && [ "$hwm" -lt $((20 * 1024)) ] || fail "cowwatch peak RSS $hwm kB, limit 20 MiB"
expect_eq "$(grep -c '"type":"exit"' "$RESULT_DIR/out.json")" $((workers + 1)) "exit records"
python3 "$COWWATCH_SRC/tests/lib/check_tree.py" "$RESULT_DIR/tree.txt" "$RESULT_DIR/out.json" \
	>"$RESULT_DIR/check.txt" || { grep -v '^ok' "$RESULT_DIR/check.txt"; fail "attribution at scale differs"; }
echo "ok: $(grep -c '^ok' "$RESULT_DIR/check.txt") checks of $workers workers"
