#!/bin/bash
# run-c-unit.sh NAME: builds user/NAME from tests/unit/NAME.c and runs it
# under valgrind: its own checks must pass, with no leak and no bad access.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$SRC/user" "$1" || exit 1
exec valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
	"$SRC/user/$1"
