#!/bin/bash
# --stacks: call chains of known shape (tests/workloads/stackchain: 40
# pages copied through main;chain_outer;chain_middle;chain_leaf, 24 through
# main;chain_outer;chain_other;chain_leaf), built with CFI and no frame
# pointers and with frame pointers and no CFI of its own. The module
# samples the writing thread's registers and top of stack at each copy, the
# reader unwinds them with libdwfl: the folded stacks give each chain
# exactly its pages, and with --events each copy event's stack runs from
# chain_leaf down past main, and the summary's top stacks of the child give
# each chain its pages (tests/lib/check_stacks.py). Without --events
# the folded stacks are the same, and so are those cowwatch report folds
# from the --events recording. The module's buffers grow by the sample
# rings once a reader asked for stacks. The module is loaded with room for
# 1024 samples per CPU: the drain, a work item on the other CPU, does not
# keep up with a burst of 64 copies under TCG at the default 64. Then with
# 2: copies come without a chain, still counted, and the reader says so.
# guest-timeout: 240
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
w=$COWWATCH_SRC/tests/workloads
check=$COWWATCH_SRC/tests/lib/check_stacks.py
load_module stack_slots=1024

bytes() {
	"$COWWATCH_SRC/tests/bin/cwread" stats | sed -n 's/.* bytes_per_cpu=\([0-9]*\).*/\1/p'
}
# A reader of events first: the event rings are made then, the sample rings not.
"$COWWATCH_BIN" --json --events -o /dev/null -- "$w/stackchain_cfi" 1 1 >/dev/null ||
	fail "cowwatch --events failed"
before=$(bytes)

for v in cfi fp; do
	"$COWWATCH_BIN" --stacks --json --events -o "$RESULT_DIR/$v.ndjson" --folded "$RESULT_DIR/$v.folded" \
		-- "$w/stackchain_$v" 40 24 >"$RESULT_DIR/$v.out" 2>"$RESULT_DIR/$v.err" ||
		fail "$v: cowwatch --stacks failed: $(cat "$RESULT_DIR/$v.err")"
	# The recording, reported later: the same summary and folded stacks.
	"$COWWATCH_BIN" report --json -o "$RESULT_DIR/$v.report" --folded "$RESULT_DIR/$v.r.folded" \
		"$RESULT_DIR/$v.ndjson" || fail "$v: cowwatch report failed"
	python3 "$check" --out "$RESULT_DIR/$v.out" --folded "$RESULT_DIR/$v.folded" \
		--json "$RESULT_DIR/$v.ndjson" --report "$RESULT_DIR/$v.report" 40 24 "stackchain_$v" ||
		fail "$v: stacks"
	cmp "$RESULT_DIR/$v.folded" "$RESULT_DIR/$v.r.folded" ||
		fail "$v: cowwatch report's folded stacks differ from the live run's"
	echo "ok: $v: cowwatch report folds the recording's stacks as the live run did"
	# Without --events: the same folded stacks, from the summary mode's reader.
	"$COWWATCH_BIN" --stacks -o "$RESULT_DIR/$v.summary" --folded "$RESULT_DIR/$v.s.folded" \
		-- "$w/stackchain_$v" 40 24 >"$RESULT_DIR/$v.s.out" 2>"$RESULT_DIR/$v.s.err" ||
		fail "$v: cowwatch --stacks (summary) failed: $(cat "$RESULT_DIR/$v.s.err")"
	python3 "$check" --out "$RESULT_DIR/$v.s.out" --folded "$RESULT_DIR/$v.s.folded" \
		40 24 "stackchain_$v" || fail "$v: stacks without --events"
done

after=$(bytes)
[ -n "$before" ] && [ -n "$after" ] || fail "no bytes_per_cpu in GET_STATS"
# 1024 samples of 8192 bytes of stack and a 144-byte struct cowwatch_stack.
expect_eq "$((after - before))" "$((1024 * (8192 + 144)))" \
	"bytes per CPU the sample rings added at the first reader of stacks"
unload_module

load_module stack_slots=2
"$COWWATCH_BIN" --stacks -o "$RESULT_DIR/lossy.summary" --folded "$RESULT_DIR/lossy.folded" \
	-- "$w/stackchain_cfi" 40 24 >"$RESULT_DIR/lossy.out" 2>"$RESULT_DIR/lossy.err" ||
	fail "lossy: cowwatch --stacks failed: $(cat "$RESULT_DIR/lossy.err")"
cat "$RESULT_DIR/lossy.err"
python3 "$check" --out "$RESULT_DIR/lossy.out" --folded "$RESULT_DIR/lossy.folded" \
	--lossy "$RESULT_DIR/lossy.err" 40 24 stackchain_cfi || fail "stacks with a full buffer"
unload_module
