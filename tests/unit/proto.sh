#!/bin/bash
# Decoding the module's notifications, good and malformed
# (tests/unit/test_proto.c), under valgrind.
exec "$(dirname "$0")/../lib/run-c-unit.sh" test_proto
