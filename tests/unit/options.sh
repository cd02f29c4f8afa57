#!/bin/bash
# The reader's command line, case by case (tests/unit/test_options.c),
# under valgrind.
exec "$(dirname "$0")/../lib/run-c-unit.sh" test_options
