#!/bin/bash
# JSON string escaping and the held-before-exec command start
# (tests/unit/test_json_spawn.c), under valgrind.
exec "$(dirname "$0")/../lib/run-c-unit.sh" test_json_spawn
