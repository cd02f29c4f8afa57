#!/bin/bash
# cowwatch PID attaches to a running tree: the parent and the workers it
# forked before the watch began are all watched (found in /proc), and each
# worker's copies are attributed exactly (tests/lib/check_tree.py). Then
# --no-follow: only the given process, none of its children.
# guest-timeout: 180
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
tree=$COWWATCH_SRC/tests/workloads/cowtree
load_module

start_held_tree 100 12 40 3
"$COWWATCH_BIN" --json --events -o "$RESULT_DIR/out.json" "$TREE_PID" &
reader=$!
# Attached: the reader writes the watch records of all it watched then.
wait_for "$RESULT_DIR/out.json" '"type":"watch"' 600
release_tree
wait "$TREE_PID" || fail "cowtree failed"
timeout 30 tail --pid="$reader" -f /dev/null || fail "cowwatch did not end with the tree"
wait "$reader" || fail "cowwatch exited $?"
cat "$RESULT_DIR/tree.txt"
python3 "$COWWATCH_SRC/tests/lib/check_tree.py" "$RESULT_DIR/tree.txt" "$RESULT_DIR/out.json" ||
	fail "attribution after attaching differs from ground truth"

# --no-follow: the summary holds the parent alone.
"$COWWATCH_BIN" --no-follow --json -o "$RESULT_DIR/nf.json" -- "$tree" 5 6 >"$RESULT_DIR/nf.txt" ||
	fail "cowwatch --no-follow exited $?"
python3 - "$RESULT_DIR/nf.json" <<'PY' || fail "--no-follow reported children"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
summary = recs[-1]
pids = [p["pid"] for p in summary["processes"]]
exits = [r["pid"] for r in recs if r["type"] == "exit"]
print("processes:", pids, "exits:", exits)
assert summary["type"] == "summary" and len(pids) == 1 and exits == pids, "more than the parent"
assert summary["processes"][0]["comm"] == "cowtree"
PY
echo "ok: --no-follow watched the parent alone"

# cowwatch $$ from a shell: the reader is a child of the process it
# watches, and is not watched itself (its writes of what it reports would
# feed on themselves); the shell's other child is.
bash -c 'sleep 600 & echo $! >"$1/self.sleeper"
	"$2" --json -o "$1/self.json" $$ & echo $! >"$1/self.reader"
	wait' _ "$RESULT_DIR" "$COWWATCH_BIN" &
shell=$!
# The reader writes the watch records of all it watched once attached.
wait_for "$RESULT_DIR/self.json" '"type":"watch"' 600
kill -INT "$(cat "$RESULT_DIR/self.reader")"
kill "$(cat "$RESULT_DIR/self.sleeper")"
wait "$shell" || true
python3 - "$RESULT_DIR/self.json" "$shell" "$(cat "$RESULT_DIR/self.sleeper")" "$(cat "$RESULT_DIR/self.reader")" <<'PY' ||
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
summary = recs[-1]
pids = sorted(p["pid"] for p in summary["processes"])
want = sorted([int(sys.argv[2]), int(sys.argv[3])])
print("processes:", pids, "want:", want, "reader:", sys.argv[4])
assert summary["type"] == "summary" and pids == want, "not the shell and its sleeper alone"
PY
	fail "cowwatch \$\$ watched itself, or missed the shell's other child"
echo "ok: the reader watched its shell and the shell's other child, not itself"
