#!/bin/bash
# Output records written whole, one write each, and the time of the records
# that mark a moment (tests/unit/test_report.c), under valgrind.
exec "$(dirname "$0")/../lib/run-c-unit.sh" test_report
