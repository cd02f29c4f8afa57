#!/bin/bash
# The whole reader under valgrind, on real netlink traffic: watching a
# command tree with every event, the same with call chains (--stacks: the
# module's samples unwound with libdwfl, folded and reported), then
# attaching to a process until the duration ends. No invalid access, no leak, statuses as without valgrind.
# (Ctrl-C is tested without valgrind, in reader_errors.sh: valgrind takes
# blocked signals for itself, and signalfd does not see them.)
# guest-timeout: 300
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
vg=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99)
load_module

set +e
"${vg[@]}" "$COWWATCH_BIN" --json --events -o "$RESULT_DIR/out.json" -- \
	"$COWWATCH_SRC/tests/workloads/cowtree" 3 9 >/dev/null 2>"$RESULT_DIR/vg1.txt"
rc=$?
cat "$RESULT_DIR/vg1.txt"
expect_eq "$rc" 0 "cowwatch -- cowtree under valgrind"
tail -n 1 "$RESULT_DIR/out.json" | grep -q '"type":"summary"' || fail "no summary under valgrind"

# Attached to the held workload, which lives until its code was named (as
# in stacks.sh): valgrind's reader is slower than the workload.
rm -f /tmp/sc-go /tmp/sc-end
"$COWWATCH_SRC/tests/workloads/stackchain_cfi" --go /tmp/sc-go --linger /tmp/sc-end 20 10 \
	>"$RESULT_DIR/sc.out" &
wait_for "$RESULT_DIR/sc.out" '^ready'
"${vg[@]}" "$COWWATCH_BIN" --stacks --json --events -o "$RESULT_DIR/stacks.json" \
	--folded "$RESULT_DIR/stacks.folded" "$(sed -n 's/^ready pid=//p' "$RESULT_DIR/sc.out")" \
	2>"$RESULT_DIR/vg3.txt" &
cw=$!
wait_watched 1 600
touch /tmp/sc-go
wait_for "$RESULT_DIR/stacks.json" '"symbol":"chain_leaf"' 1200
touch /tmp/sc-end
wait "$cw"
rc=$?
cat "$RESULT_DIR/vg3.txt"
expect_eq "$rc" 0 "cowwatch --stacks PID (stackchain_cfi) under valgrind"
grep -q ';main;chain_outer;chain_middle;chain_leaf 20$' "$RESULT_DIR/stacks.folded" ||
	fail "no chain in the folded stacks under valgrind: $(cat "$RESULT_DIR/stacks.folded")"
"${vg[@]}" "$COWWATCH_BIN" report -o /dev/null --folded "$RESULT_DIR/stacks.r.folded" \
	"$RESULT_DIR/stacks.json" 2>"$RESULT_DIR/vg4.txt"
rc=$?
cat "$RESULT_DIR/vg4.txt"
expect_eq "$rc" 0 "cowwatch report of a --stacks recording under valgrind"
cmp "$RESULT_DIR/stacks.folded" "$RESULT_DIR/stacks.r.folded" || fail "report's folded stacks differ"

sleep 600 &
victim=$!
"${vg[@]}" "$COWWATCH_BIN" --json -d 5 -o "$RESULT_DIR/pid.json" "$victim" 2>"$RESULT_DIR/vg2.txt"
rc=$?
cat "$RESULT_DIR/vg2.txt"
expect_eq "$rc" 0 "cowwatch -d 5 PID under valgrind"
grep -q '"type":"summary"' "$RESULT_DIR/pid.json" || fail "no summary after the duration"
kill "$victim" 2>/dev/null || true
