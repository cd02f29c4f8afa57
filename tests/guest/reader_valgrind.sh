#!/bin/bash
# The whole reader under valgrind, on real netlink traffic: watching a
# command tree with every event, then attaching to a process and being
# interrupted. No invalid access, no leak, statuses as without valgrind.
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

sleep 60 &
victim=$!
"${vg[@]}" "$COWWATCH_BIN" "$victim" >/dev/null 2>"$RESULT_DIR/vg2.txt" &
reader=$!
sleep 8	# valgrind starts slowly under emulation
kill -INT "$reader"
wait "$reader"
rc=$?
cat "$RESULT_DIR/vg2.txt"
expect_eq "$rc" 0 "cowwatch PID under valgrind, interrupted"
kill "$victim"
