#!/bin/bash
# The Python story: examples/python_workers.py with Debian's python3 and
# multiprocessing's fork start method, 4 workers that only read, each run
# under cowwatch --json --events:
#   ints-all     list(range(10**6)), every worker iterates all of it: plain,
#                gc.freeze(), gc.disable()
#   strings-all  a dict of 100,000 string keys and values, iterated whole
#   records-share 100,000 small dicts (each holding a list), each worker reads its quarter, then the
#                collector runs: plain, gc.freeze(), gc.disable()
# check_python.py holds cowwatch's figures against what the program knows:
# the pages of the objects each worker read (ids from the parent before the
# fork) must all be copied by that worker, in [anon] memory, by named CPython
# code; with records the plain collector copies the other quarters too and
# gc.freeze()/gc.disable() do not; with ints gc changes save nothing; and
# each worker's copies match the growth of its smaps Private_Dirty (minus
# its Anonymous growth) within 1% + 32 pages (why: see check_python.py),
# with khugepaged kept from collapsing shared or partly empty ranges
# (khugepaged_exact: those copies are no fault's).
# Then records-share plain once more with --stacks, 10,000 records:
# check_gc_chain.py wants the collector's copies (deduce_unreachable)
# folded with their callers, from the interpreter loop through
# gc_collect_main, every EXIT and no event lost. The run makes some 8,600
# events, 6,200 of them with samples; cowwatch's socket for --stacks holds
# about 16,000 samples, so nothing is lost however far behind the reader
# falls (at 100,000 records, 30,000 samples, a loaded host made it lose
# most of the collector's). ring_size=16384: each CPU's ring holds the
# whole run, so no event is lost however late the drain runs (at the
# default 4096 a CPU's ring overflowed in CI on 6.1 and 6.12, with the
# drain at normal priority: a question of throughput, not this test's).
# stack_slots=4096: the collector copies ~900 pages per worker in a few
# milliseconds; with the default 64 samples per CPU, 94-99% of those
# copies still came with their chain (8 runs on 6.1 and 6.12, two guests
# at once), too near the 90% bound to hold on every loaded host. A sample
# the ring has no room for leaves its event without callers.
# guest-timeout: 900
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
story=$COWWATCH_SRC/examples/python_workers.py
khugepaged_exact
trap khugepaged_restore EXIT
load_module stack_slots=4096 ring_size=16384
runs=()
run() { # run DATA READ MODE ITEMS
	local name=$1-$2-$3
	"$COWWATCH_BIN" --json --events --top 20 -o "$RESULT_DIR/$name.json" -- \
		python3 "$story" "$3" "$4" --data "$1" --read "$2" --smaps "$RESULT_DIR/$name.smaps" \
		--layout "$RESULT_DIR/$name.layout" || fail "$name: cowwatch -- python3 exited $?"
	runs+=("$name")
}
for mode in plain freeze disable; do
	run ints all $mode 1000000
	run records share $mode 100000
done
run strings all plain 100000
python3 "$COWWATCH_SRC/tests/lib/check_python.py" "$RESULT_DIR" "${runs[@]}" ||
	fail "cowwatch's figures differ from the program's own"
"$COWWATCH_BIN" --stacks --json -o "$RESULT_DIR/stacks.json" --folded "$RESULT_DIR/stacks.folded" -- \
	python3 "$story" plain 10000 --data records --read share ||
	fail "--stacks: cowwatch -- python3 exited $?"
python3 "$COWWATCH_SRC/tests/lib/check_gc_chain.py" "$RESULT_DIR/stacks.json" "$RESULT_DIR/stacks.folded" ||
	fail "--stacks: the collector's chain is not shown"
unload_module
