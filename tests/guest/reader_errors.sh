#!/bin/bash
# The reader's failure paths, each a clear one-line error and its own exit
# status, never a hang: module not loaded (3), no such process (5), no
# permission (6); and the ends of a watch: the watched process exits, Ctrl-C,
# the module unloaded under the reader.
# guest-timeout: 180
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
cw=$COWWATCH_BIN
set +e

# expect_error STATUS PATTERN COMMAND...: exits STATUS, one stderr line matching PATTERN.
expect_error() {
	local want=$1 pattern=$2 rc
	shift 2
	timeout 30 "$@" >/dev/null 2>"$RESULT_DIR/err"
	rc=$?
	expect_eq "$rc" "$want" "exit status of: $*"
	expect_eq "$(wc -l <"$RESULT_DIR/err")" 1 "one line on stderr from: $*"
	grep -qE "$pattern" "$RESULT_DIR/err" || fail "stderr of '$*' does not say /$pattern/: $(cat "$RESULT_DIR/err")"
}

expect_error 3 '^cowwatch: the cowwatch kernel module is not loaded \(load it with' "$cw" 1
load_module
expect_error 5 '^cowwatch: no such process: 999999$' "$cw" 999999
expect_error 6 '^cowwatch: permission denied watching process 1: run as root' \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$cw" 1
timeout 30 "$cw" --bogus 1 >/dev/null 2>"$RESULT_DIR/err"
expect_eq "$?" 2 "exit status of a bad option"
expect_eq "$(head -n 1 "$RESULT_DIR/err")" "cowwatch: unknown option: '--bogus'" "bad option's error line"
grep -q '^usage: cowwatch' "$RESULT_DIR/err" || fail "no usage line after a bad option"

# An unprivileged user may watch its own command.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$cw" --json -- sh -c 'exit 0')
expect_eq "$?" 0 "an unprivileged user watches its own command"
grep -q '"type":"summary"' <<<"$out" || fail "no summary for the unprivileged watch"

# Each watch below waits for the module to watch its process (GET_STATS)
# before it acts: a victim on a timer, or a signal after a fixed sleep,
# raced a reader slowed down by a loaded host (the victim was gone before
# the attach). A reader that misses its end is caught by its timeout (124).

# PID mode ends by itself when the watched process exits.
wait_watched 0
sleep 600 &
victim=$!
timeout 30 "$cw" --json "$victim" >"$RESULT_DIR/exit.json" &
reader=$!
wait_watched 1
kill "$victim"
wait "$reader"
expect_eq "$?" 0 "exit status when the watched process exits"
grep -qE "\"type\":\"exit\",\"time_ns\":[0-9]+,\"pid\":$victim," "$RESULT_DIR/exit.json" || fail "no exit record for $victim"

# A kernel thread has no user memory: one clear line, not a watch of every kthread.
expect_error 5 '^cowwatch: process 2 \(kthreadd\) is a kernel thread: it has no user memory to watch$' "$cw" 2

# A thread's id (from top -H, say) watches its process, says so, and ends
# with it. The thread lives until it reads a line, given once the watch is on.
wait_watched 0
rm -f /tmp/thread.go
mkfifo /tmp/thread.go
python3 -c 'import sys, threading
t = threading.Thread(target=sys.stdin.readline); t.start()
print(t.native_id, flush=True); t.join()' </tmp/thread.go >"$RESULT_DIR/thread.txt" &
victim=$!
exec {go}>/tmp/thread.go
wait_for "$RESULT_DIR/thread.txt" '^[0-9]'
tid=$(cat "$RESULT_DIR/thread.txt")
[ "$tid" != "$victim" ] || fail "premise: the thread's id is not the process's"
timeout 30 "$cw" --json "$tid" >"$RESULT_DIR/thread.json" 2>"$RESULT_DIR/err" &
reader=$!
wait_watched 1
echo >&"$go"
exec {go}>&-
wait "$reader"
expect_eq "$?" 0 "exit status when watching a thread's id"
expect_eq "$(cat "$RESULT_DIR/err")" "cowwatch: $tid is a thread of process $victim (python3): watching process $victim" \
	"the notice for a thread's id"
grep -qE "\"type\":\"exit\",\"time_ns\":[0-9]+,\"pid\":$victim," "$RESULT_DIR/thread.json" || fail "no exit record for process $victim"
wait "$victim"

# Ctrl-C (SIGINT) ends the watch with a summary and status 0.
wait_watched 0
sleep 600 &
victim=$!
timeout 30 "$cw" --json "$victim" >"$RESULT_DIR/int.json" &
reader=$!
wait_watched 1
kill -INT "$reader"
wait "$reader"
expect_eq "$?" 0 "exit status after SIGINT"
grep -q '"type":"summary"' "$RESULT_DIR/int.json" || fail "no summary after SIGINT"

# Started in the background by a script, whose shell ignores SIGINT for
# its background jobs: kill -INT still ends it (as it ends perf record).
wait_watched 0
sleep 600 &
bg_victim=$!
"$cw" --json "$bg_victim" >"$RESULT_DIR/int-bg.json" &
reader=$!
wait_watched 1
kill -INT "$reader"
for ((i = 0; i < 300; i++)); do kill -0 "$reader" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$reader" 2>/dev/null; then
	kill -KILL "$reader"
	fail "a background cowwatch went on 30 s after SIGINT"
fi
wait "$reader"
expect_eq "$?" 0 "exit status after SIGINT, started in the background"
grep -q '"type":"summary"' "$RESULT_DIR/int-bg.json" || fail "no summary after SIGINT in the background"
kill "$bg_victim"

# The module unloaded under the reader: it says so and exits non-zero.
wait_watched 0
timeout 30 "$cw" "$victim" >/dev/null 2>"$RESULT_DIR/gone.err" &
reader=$!
wait_watched 1
unload_module
wait "$reader"
rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "reader exit status $rc after the module went away"
grep -q 'module was unloaded while watching' "$RESULT_DIR/gone.err" ||
	fail "reader did not say the module went away: $(cat "$RESULT_DIR/gone.err")"
kill "$victim"
echo "ok: reader exited $rc when the module was unloaded"
