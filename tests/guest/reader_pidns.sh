#!/bin/bash
# cowwatch in a pid namespace of its own (unshare --pid --mount-proc)
# attaches to a tree started there: the module lists the tree's processes
# by their pids in the reader's namespace (not the initial one's), and
# each worker's copies are attributed to them exactly
# (tests/lib/check_tree.py against the pids the workers saw themselves).
# guest-timeout: 180
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
load_module

export RESULT_DIR
unshare --pid --fork --mount-proc bash -c '
	. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
	[ $$ = 1 ] || fail "not pid 1 of a new pid namespace: $$"
	start_held_tree 100 12 40 3
	"$COWWATCH_BIN" --json --events -o "$RESULT_DIR/out.json" "$TREE_PID" &
	reader=$!
	# The reader writes the watch records of all it watched once attached.
	wait_for "$RESULT_DIR/out.json" "\"type\":\"watch\"" 600
	release_tree
	wait "$TREE_PID" || fail "cowtree failed"
	wait "$reader" || fail "cowwatch exited $?"
' || fail "the run in a pid namespace failed"
cat "$RESULT_DIR/tree.txt"
python3 "$COWWATCH_SRC/tests/lib/check_tree.py" "$RESULT_DIR/tree.txt" "$RESULT_DIR/out.json" ||
	fail "attribution in a pid namespace differs from ground truth"
python3 - "$RESULT_DIR/out.json" <<'PY' || fail "pids are not the namespace's"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
watch = [r["pid"] for r in recs if r["type"] == "watch"]
print("watched:", sorted(watch))
# In the namespace bash is 1 and the tree's parent 2 or so: no pid of the
# initial namespace (the guest's init and its shells are past 100).
assert len(watch) == 4 and max(watch) < 20, "pids of another namespace"
PY
echo "ok: the tree was watched by its pids in the reader's namespace"
