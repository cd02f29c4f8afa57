#!/bin/bash
# Harness self-test: a test that passes (and proves a test after a failed or
# crashed one still runs, in a fresh boot when the kernel died).
# guest-timeout: 30
[ "$(cat /proc/sys/kernel/panic_on_warn)" = 1 ] || { echo "panic_on_warn is off"; exit 1; }
echo "ran on $(uname -r)"
