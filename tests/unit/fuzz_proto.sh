#!/bin/bash
# Fuzzes the notification decoder and the WATCH reply's list (tests/fuzz/fuzz_proto.c) with libFuzzer
# under AddressSanitizer and UBSan for FUZZ_SECONDS (default 30), starting
# from the well-formed and malformed messages of tests/unit/test_proto.c.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
out=$SRC/build/fuzz
mkdir -p "$out/corpus"
make -s -C "$SRC/user" test_proto
"$SRC/user/test_proto" "$out/corpus" >/dev/null
clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -I"$SRC/user" -I"$SRC/kmod" \
	"$SRC/tests/fuzz/fuzz_proto.c" "$SRC/user/proto.c" -lmnl -o "$out/fuzz_proto"
cd "$out"
exec ./fuzz_proto -max_total_time="${FUZZ_SECONDS:-30}" -max_len=16384 \
	-print_final_stats=1 corpus 2>&1 | tail -n 25
