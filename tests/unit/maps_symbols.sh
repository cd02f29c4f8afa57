#!/bin/bash
# user/maps.c and user/symbols.c against ground truth (see
# tests/unit/test_maps_symbols.c), under valgrind: no leak, no bad access.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$SRC/user" tests || exit 1
exec valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
	"$SRC/user/test_maps_symbols"
