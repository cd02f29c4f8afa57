#!/bin/bash
# The reader's command line: --help and --version answer and exit 0, the
# version is the one in the shared uapi header, a bad option gets a one-line
# usage on stderr and exit status 2.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
bin=$SRC/user/cowwatch
bad=0
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "not ok: $what"; bad=1; fi
}
release=$(sed -n 's/^#define COWWATCH_RELEASE[[:space:]]*"\(.*\)"/\1/p' "$SRC/kmod/uapi/cowwatch.h")
proto=$(sed -n 's/^#define COWWATCH_GENL_VERSION[[:space:]]*\([0-9]*\)/\1/p' "$SRC/kmod/uapi/cowwatch.h")

out=$("$bin" --version); rc=$?
check "--version exits 0" [ "$rc" = 0 ]
check "--version names release $release and protocol $proto" \
	[ "$out" = "cowwatch $release (netlink protocol $proto, family \"cowwatch\")" ]
out=$("$bin" -V)
check "-V is --version" [ "$out" = "cowwatch $release (netlink protocol $proto, family \"cowwatch\")" ]

out=$("$bin" --help); rc=$?
check "--help exits 0" [ "$rc" = 0 ]
check "--help starts with a usage line" [ "$(head -n 1 <<<"$out")" = "usage: cowwatch [options] PID" ]

err=$("$bin" --no-such-option 2>&1 >/dev/null); rc=$?
check "bad option exits 2 (got $rc)" [ "$rc" = 2 ]
check "bad option prints a usage line on stderr" grep -q '^usage: cowwatch' <<<"$err"
out=$("$bin" --no-such-option 2>/dev/null)
check "bad option prints nothing on stdout" [ -z "$out" ]
exit $bad
