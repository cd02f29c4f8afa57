#!/bin/bash
# Run in the guest by tests/host/reader_protocol.sh with a module built to
# announce protocol version 99: the reader refuses it with exit status 4
# and one line naming both versions.
# guest-timeout: 60
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
load_module
set +e
timeout 30 "$COWWATCH_BIN" 1 >/dev/null 2>"$RESULT_DIR/err"
rc=$?
set -e
cat "$RESULT_DIR/err"
expect_eq "$rc" 4 "exit status against a module of another protocol"
expect_eq "$(wc -l <"$RESULT_DIR/err")" 1 "lines on stderr"
ours=$(sed -n 's/^#define COWWATCH_GENL_VERSION[[:space:]]*\([0-9]*\)$/\1/p' "$COWWATCH_SRC/kmod/uapi/cowwatch.h")
[ -n "$ours" ] || fail "no COWWATCH_GENL_VERSION in the uapi header"
grep -q "speaks protocol 99, this cowwatch speaks $ours:" "$RESULT_DIR/err" ||
	fail "the error names no versions (expected 99 and $ours)"
unload_module
