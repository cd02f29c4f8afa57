#!/bin/bash
# The live view: on a terminal (a pty from script(1)) a table redrawn each
# interval with escape codes; to a pipe, plain key=value lines without any.
# A worker that keeps copying for a few seconds gives several refreshes.
# guest-timeout: 180
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
load_module
# A parent and one worker that copies a page every 20 ms for ~3 s.
cat >/tmp/slow.py <<'PY'
import mmap, os, time
m = mmap.mmap(-1, 200 * 4096, flags=mmap.MAP_PRIVATE)
for i in range(0, 200 * 4096, 4096):
    m[i] = 1
if os.fork() == 0:
    for i in range(0, 150 * 4096, 4096):
        m[i] = 2
        time.sleep(0.02)
    os._exit(0)
os.wait()
PY

script -qfec "$COWWATCH_BIN -i 0.5 -- python3 /tmp/slow.py" /tmp/tty.log >/dev/null
tr -d '\r' </tmp/tty.log >"$RESULT_DIR/tty.txt"
clears=$(grep -o $'\033\\[H\033\\[2J' "$RESULT_DIR/tty.txt" | wc -l)
[ "$clears" -ge 3 ] || fail "terminal: $clears screen redraws, expected 3 or more"
echo "ok: terminal view redrawn $clears times"
grep -q 'PID *PPID *COMM *COPIED *MiB/s *ZEROED *REUSED *TOP REGION *TOP CODE' "$RESULT_DIR/tty.txt" ||
	fail "terminal: no table header"
grep -q '^total copied' "$RESULT_DIR/tty.txt" || fail "terminal: no totals line"
grep -q 'cowwatch summary' "$RESULT_DIR/tty.txt" || fail "terminal: no summary"

"$COWWATCH_BIN" -i 0.5 -- python3 /tmp/slow.py | cat >"$RESULT_DIR/plain.txt"
if grep -q $'\033' "$RESULT_DIR/plain.txt"; then fail "plain output holds escape codes"; fi
ticks=$(grep -c '^-- [0-9.]*s$' "$RESULT_DIR/plain.txt")
[ "$ticks" -ge 3 ] || fail "plain: $ticks interval lines, expected 3 or more"
grep -q '^pid=[0-9]* ppid=[0-9]* comm=python3 copied_mib=[0-9.]* rate_mib_s=[0-9.]* zero=[0-9]* reuse=[0-9]* region=' \
	"$RESULT_DIR/plain.txt" || fail "plain: no per-process line"
# While the worker copies, some interval shows it copying at a non-zero rate.
grep -q 'rate_mib_s=0\.0[1-9]\|rate_mib_s=0\.[1-9]\|rate_mib_s=[1-9]' "$RESULT_DIR/plain.txt" ||
	fail "plain: no interval with a copy rate"
echo "ok: plain view with $ticks intervals"
unload_module
