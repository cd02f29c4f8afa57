#!/bin/bash
# user/maps.c and user/symbols.c against ground truth from the compiler and
# the dynamic linker (tests/unit/test_maps_symbols.c), under valgrind.
exec "$(dirname "$0")/../lib/run-c-unit.sh" test_maps_symbols
