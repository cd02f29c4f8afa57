#!/bin/bash
# WATCH needs CAP_SYS_ADMIN or the target's credentials: an unprivileged
# reader gets EPERM for root's process and may watch its own; a pid that
# does not exist gets ESRCH, a kernel thread EINVAL. A reader without the
# module gets "no family".
# guest-timeout: 60
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

# Not setpriv: over the guest's 9p root an unprivileged process cannot
# load shared libraries, so the test programs drop privileges themselves.
rc=0
out=$("$CWREAD" watch 1) || rc=$?
expect_eq "$rc" 3 "reader without the module: exit status"
expect_eq "$out" "no family cowwatch: No such file or directory" "reader without the module"

load_module
sleep 1000 &
rootpid=$!
"$COWLOAD" idleas 65534 </dev/null >"$RESULT_DIR/idle.out" 2>&1 &
ownpid=$!
wait_for "$RESULT_DIR/idle.out" '^pid='
expect_eq "$(stat -c %u "/proc/$ownpid")" 65534 "the sleep runs as nobody"

rc=0
out=$("$CWREAD" -U 65534 watch "$rootpid") || rc=$?
expect_eq "$rc" 2 "nobody watching root's process: exit status"
expect_eq "$out" "error watch $rootpid: Operation not permitted (EPERM)" "nobody watching root's process"

rc=0
out=$("$CWREAD" -U 65534 -t 300 watch "$ownpid") || rc=$?
expect_eq "$rc" 0 "nobody watching its own process: exit status"
expect_eq "$(head -n 1 <<<"$out")" "watching $ownpid" "nobody watching its own process"

rc=0
out=$("$CWREAD" watch 4000000) || rc=$?
expect_eq "$rc" 2 "watching a pid that does not exist: exit status"
expect_eq "$out" "error watch 4000000: No such process (ESRCH)" "watching a pid that does not exist"

# kthreadd (pid 2): a kernel thread has no user memory to copy.
rc=0
out=$("$CWREAD" watch 2) || rc=$?
expect_eq "$rc" 2 "watching a kernel thread: exit status"
expect_eq "$out" "error watch 2: Invalid argument (EINVAL)" "watching a kernel thread"

kill "$rootpid" "$ownpid"
unload_module
