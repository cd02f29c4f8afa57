#!/bin/bash
# A write through /proc/PID/mem by another process (GUP with FOLL_FORCE)
# breaks CoW in the target's memory from a task of another mm: the events
# belong to the target (tgid), name the writing task (tid, comm), carry
# the REMOTE flag and no user IP. N pages shared with a sleeping child: N
# copies.
# guest-timeout: 90
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

N=13
load_module
start_load t remote $N
child=$(sed -n 's/^child=//p' "$RESULT_DIR/t.out")
start_reader r -u "$LOAD_PID" watch "$LOAD_PID"
python3 - "$LOAD_PID" "$((LOAD_REGION))" $N <<'PY' || fail "writing /proc/PID/mem"
import sys
pid, base, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
with open(f"/proc/{pid}/mem", "r+b", buffering=0) as f:
    for i in range(n):
        f.seek(base + i * 4096)
        f.write(b"r")
PY
go t
wait "$READER_PID" || fail "reader failed"
log=$RESULT_DIR/r.log
expect_eq "$(count_events "$log" "$LOAD_PID" copy "$LOAD_REGION" $N)" $N "copies in the target's region"
expect_eq "$(grep "^event .* tgid=$LOAD_PID .* outcome=copy " "$log" | grep -c " comm=python3 .* ip=0x0 .* flags=1 ")" $N "remote copies: writer's comm, no IP, REMOTE flag"
expect_eq "$(count_events "$log" "$child" '*' "$LOAD_REGION" $N)" 0 "events of the sleeping child"
unload_module
