#!/bin/bash
# user/unwind.c: call chains from a register and stack sample of a stopped
# process, with and without frame pointers (tests/unit/test_unwind.c), under
# valgrind.
cd "$(dirname "$0")/../../user" || exit 1
exec ../tests/lib/run-c-unit.sh test_unwind
