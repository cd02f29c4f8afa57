#!/bin/bash
# Harness self-test: a test survives an orphaned process group's SIGHUP.
# When a process whose parent is init exits, and its process group has a
# stopped member and no member whose parent lies outside the group in the
# same session, the kernel sends the group SIGHUP and SIGCONT (POSIX
# orphaned process groups). Were each test's process group such a group
# (its timeout a child of init, in init's session), a stopped reader and a
# worker orphaned by the OOM killer would end the test on SIGHUP (the soak
# on 6.12 ended so, status 129): each test runs in a session of its own.
# guest-timeout: 30
sleep 60 &
stopped=$!
kill -STOP "$stopped"
# An orphan: its parent exits at once, it is reparented to init, then exits.
( sleep 1 & )
sleep 3
kill -CONT "$stopped"
kill "$stopped"
wait "$stopped" 2>/dev/null
read -r -a stat </proc/$$/stat
echo "session ${stat[5]}, pid $$: survived the orphan's exit"
