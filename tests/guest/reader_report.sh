#!/bin/bash
# cowwatch report, --folded and --trace, on a groundtruth tree (copies,
# zero fills, file copies, THP splits and copies, hugetlb copies, reuses;
# workers that live milliseconds, one writing from a thread) run by
# cowwatch --json --events -o REC --folded --trace in command mode:
#   1. cowwatch report --json REC: its summary equals the live run's, field
#      by field; the text summary's rows agree with it.
#   2. The folded stacks and the time line of the report equal the live
#      run's; the folded stacks are well formed, name the functions that
#      wrote (tests/lib/check_report.py) and add up to the copying events;
#      the trace is valid JSON with one track per process of the summary,
#      each track's counter adding up to its copying events, a fork instant
#      and a flow per fork record, an exit instant per exit record.
#   3. The default mode (no --events) with --folded: the lines of each
#      process name add up to the copied pages of its summary.
#   4. Bad input: no such recording, a malformed one, an option of a
#      watch, a --folded path that cannot be written: one line, non-zero.
# guest-timeout: 240
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
gt=$COWWATCH_SRC/tests/workloads/groundtruth
check=$COWWATCH_SRC/tests/lib/check_report.py
echo 8 >/proc/sys/vm/nr_hugepages
load_module
cd "$RESULT_DIR"
spec=(anon=7,30,64,5 zero=3,0,9,1 file=2,5,0,4 thp=17,0,3,40 huge=1,0,0,2 reuse=50)

"$COWWATCH_BIN" --json --events --top 100 -o rec.ndjson --folded live.folded --trace live.trace \
	-- "$gt" --file /tmp/gt-report "${spec[@]}" >gt.json || fail "live run exited $?"
"$COWWATCH_BIN" report --json --top 100 --folded rep.folded --trace rep.trace rec.ndjson \
	>rep.json || fail "cowwatch report --json exited $?"
"$COWWATCH_BIN" report --top 100 rec.ndjson >rep.txt || fail "cowwatch report exited $?"
python3 "$check" recorded rec.ndjson rep.json rep.txt live.folded rep.folded live.trace rep.trace gt.json ||
	fail "report, folded or trace differ from the live run"

# The default mode: counts from the kernel, folded from them.
"$COWWATCH_BIN" --json --top 100 -o counts.ndjson --folded counts.folded \
	-- "$gt" --file /tmp/gt-report2 "${spec[@]}" >gt2.json || fail "default-mode run exited $?"
python3 "$check" counts counts.ndjson counts.folded || fail "default mode: folded differs from the summary"

set +e
"$COWWATCH_BIN" report /nonexistent.ndjson 2>err.txt
expect_eq "$?" 1 "exit status for a missing recording"
grep -qx 'cowwatch: cannot read /nonexistent.ndjson: No such file or directory' err.txt ||
	fail "missing recording: $(cat err.txt)"
{ head -n 3 rec.ndjson; echo '{"type":"event","time_ns":"x"}'; } >bad.ndjson
"$COWWATCH_BIN" report bad.ndjson >/dev/null 2>err.txt
expect_eq "$?" 1 "exit status for a malformed recording"
grep -qx 'cowwatch: bad.ndjson:4: not a cowwatch record (make one with cowwatch --json --events -o FILE)' err.txt ||
	fail "malformed recording: $(cat err.txt)"
"$COWWATCH_BIN" report --events rec.ndjson 2>err.txt
expect_eq "$?" 2 "exit status for a watch option given to report"
grep -q "^cowwatch: not an option of cowwatch report: '--events'" err.txt || fail "watch option: $(cat err.txt)"
"$COWWATCH_BIN" report --folded /nonexistent/dir/f rec.ndjson >/dev/null 2>err.txt
expect_eq "$?" 1 "exit status for a --folded path that cannot be written"
grep -qx 'cowwatch: cannot write /nonexistent/dir/f: No such file or directory' err.txt ||
	fail "unwritable --folded: $(cat err.txt)"
"$COWWATCH_BIN" --trace /nonexistent/dir/t -- true 2>err.txt
expect_eq "$?" 1 "exit status for a live --trace path that cannot be written"
set -e
unload_module
echo 0 >/proc/sys/vm/nr_hugepages
