#!/bin/bash
# --stacks: call chains of known shape (tests/workloads/stackchain: 40
# pages copied through main;chain_outer;chain_middle;chain_leaf, 24 through
# main;chain_outer;chain_other;chain_leaf), built with CFI and no frame
# pointers and with frame pointers and no CFI of its own. The module
# samples the writing thread's registers and top of stack at each copy, the
# reader, attached to the held workload (so it reads the whole memory map,
# libc mapped, and the workload lives until its code was named) unwinds
# them with libdwfl: the folded stacks give each chain
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

# chain_run NAME VARIANT A B PATTERN FILE COWWATCH_ARGS...: stackchain_VARIANT
# A B, held until cowwatch COWWATCH_ARGS PID watches it (which reads its
# whole memory map then), and kept from exiting until FILE (cowwatch's
# output) matches PATTERN: its code named while it lived. Its output is
# $RESULT_DIR/NAME.out, cowwatch's stderr NAME.err.
chain_run() {
	local name=$1 v=$2 a=$3 b=$4 pattern=$5 file=$6 pid cw
	shift 6
	rm -f /tmp/sc-go /tmp/sc-end
	"$w/stackchain_$v" --go /tmp/sc-go --linger /tmp/sc-end "$a" "$b" >"$RESULT_DIR/$name.out" &
	wait_for "$RESULT_DIR/$name.out" '^ready'
	pid=$(sed -n 's/^ready pid=//p' "$RESULT_DIR/$name.out")
	"$COWWATCH_BIN" "$@" "$pid" 2>"$RESULT_DIR/$name.err" &
	cw=$!
	wait_watched 1 600
	touch /tmp/sc-go
	wait_for "$RESULT_DIR/$name.out" '^done' 600
	wait_for "$file" "$pattern" 600
	touch /tmp/sc-end
	wait "$cw" || fail "$name: cowwatch $* $pid failed: $(cat "$RESULT_DIR/$name.err")"
}

bytes() {
	"$COWWATCH_SRC/tests/bin/cwread" stats | sed -n 's/.* bytes_per_cpu=\([0-9]*\).*/\1/p'
}
# A reader of events first: the event rings are made then, the sample rings not.
"$COWWATCH_BIN" --json --events -o /dev/null -- "$w/stackchain_cfi" 1 1 >/dev/null ||
	fail "cowwatch --events failed"
before=$(bytes)

for v in cfi fp; do
	chain_run "$v" "$v" 40 24 '"symbol":"chain_leaf"' "$RESULT_DIR/$v.ndjson" \
		--stacks --json --events -o "$RESULT_DIR/$v.ndjson" --folded "$RESULT_DIR/$v.folded"
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
	chain_run "$v.s" "$v" 40 24 'code=chain_leaf' "$RESULT_DIR/$v.summary" \
		--stacks -i 0.2 -o "$RESULT_DIR/$v.summary" --folded "$RESULT_DIR/$v.s.folded"
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
chain_run lossy cfi 40 24 'code=chain_leaf' "$RESULT_DIR/lossy.summary" \
	--stacks -i 0.2 -o "$RESULT_DIR/lossy.summary" --folded "$RESULT_DIR/lossy.folded"
cat "$RESULT_DIR/lossy.err"
python3 "$check" --out "$RESULT_DIR/lossy.out" --folded "$RESULT_DIR/lossy.folded" \
	--lossy "$RESULT_DIR/lossy.err" 40 24 stackchain_cfi || fail "stacks with a full buffer"
unload_module
