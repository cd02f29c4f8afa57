#!/bin/bash
# Attribution of events to process, region and code, including a child
# that is never seen in /proc (tests/unit/test_procs.c), under valgrind.
exec "$(dirname "$0")/../lib/run-c-unit.sh" test_procs
