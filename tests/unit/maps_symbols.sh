#!/bin/bash
# user/maps.c and user/symbols.c against ground truth from the compiler and
# the dynamic linker (tests/unit/test_maps_symbols.c), under valgrind; then
# symbols.c's address search against libdwfl's at every symbol of libc,
# natively (under valgrind that would take minutes).
SRC=$(cd "$(dirname "$0")/../.." && pwd)
"$(dirname "$0")/../lib/run-c-unit.sh" test_maps_symbols || exit 1
exec "$SRC/user/test_maps_symbols" --all
