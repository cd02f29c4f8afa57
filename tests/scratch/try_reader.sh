#!/bin/bash
# guest-timeout: 120
set -x
insmod "$COWWATCH_KO" || exit 1
cat > /tmp/w.py <<'PY'
import mmap, os, sys
n = 100
m = mmap.mmap(-1, n * 4096, flags=mmap.MAP_PRIVATE)
for i in range(0, n * 4096, 4096):
    m[i] = 1
pids = []
for w in range(2):
    pid = os.fork()
    if pid == 0:
        for i in range(0, (w + 1) * 10 * 4096, 4096):
            m[i] = 2
        os._exit(0)
    pids.append(pid)
for p in pids:
    os.waitpid(p, 0)
PY
"$COWWATCH_BIN" --json -- python3 /tmp/w.py > $RESULT_DIR/out.json; echo rc=$?
head -c 3000 $RESULT_DIR/out.json
"$COWWATCH_BIN" -- python3 /tmp/w.py; echo rc=$?
"$COWWATCH_BIN" 999999; echo rc=$?
rmmod cowwatch
