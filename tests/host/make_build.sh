#!/bin/bash
# make on a machine whose running kernel has no headers (these hosts run a
# kernel without modules), in a fresh copy of the tracked files:
#  - make builds the reader, says it skipped the module, and succeeds;
#  - make module, and make KVER=<a kernel without headers>, fail with the
#    one-line reason and build no module;
#  - make KVER=<a supported kernel> builds the reader and the module.
# Where the running kernel does have headers, plain make must build both.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib/kernels.sh"
cd "$SRC" || exit 1
bad=0
ok() { echo "ok: $*"; }
notok() { echo "not ok: $*"; bad=1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cowwatch-make.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fresh() { # fresh DIR: a copy of the tracked files, nothing built
	rm -rf "$1" && mkdir -p "$1" && git ls-files -z | cpio -0 -pdm --quiet "$1"
}

tree=$tmp/tree
fresh "$tree"
out=$(make -C "$tree" 2>&1)
rc=$?
if [ -e "/lib/modules/$(uname -r)/build/Makefile" ]; then
	[ $rc = 0 ] && [ -x "$tree/user/cowwatch" ] && [ -e "$tree/kmod/cowwatch.ko" ] &&
		ok "make with the running kernel's headers: reader and module" ||
		notok "make with the running kernel's headers (exit $rc)"
else
	[ $rc = 0 ] && [ -x "$tree/user/cowwatch" ] && [ ! -e "$tree/kmod/cowwatch.ko" ] &&
		ok "make without headers: the reader built, exit 0" ||
		notok "make without headers: exit $rc, reader $([ -x "$tree/user/cowwatch" ] && echo built || echo missing)"
	grep -q "^cowwatch: built the reader only; skipped the module: no kernel headers at " <<<"$out" &&
		ok "make without headers says it skipped the module" ||
		notok "make without headers did not say what it skipped: $(tail -n 2 <<<"$out")"
	out=$(make -C "$tree" module 2>&1)
	rc=$?
	[ $rc != 0 ] && grep -q "^cowwatch: no kernel headers at " <<<"$out" &&
		ok "make module without headers fails (exit $rc) with the reason" ||
		notok "make module without headers: exit $rc: $(tail -n 2 <<<"$out")"
fi

fresh "$tree"
out=$(make -C "$tree" KVER=0.0.0-none 2>&1)
rc=$?
[ $rc != 0 ] && grep -q "^cowwatch: no kernel headers at /lib/modules/0.0.0-none/build" <<<"$out" &&
	[ ! -e "$tree/kmod/cowwatch.ko" ] &&
	ok "make KVER=<no headers> fails (exit $rc) with the reason" ||
	notok "make KVER=<no headers>: exit $rc: $(tail -n 2 <<<"$out")"

s=${SUPPORTED_KERNELS%% *}
if kver=$(kernel_release "$s") && kernel_ready "$s"; then
	fresh "$tree"
	out=$(make -C "$tree" KVER="$kver" 2>&1)
	rc=$?
	[ $rc = 0 ] && [ -x "$tree/user/cowwatch" ] && modinfo -F vermagic "$tree/kmod/cowwatch.ko" 2>/dev/null |
		grep -q "^$kver " && ok "make KVER=$kver: reader and module for $kver" ||
		notok "make KVER=$kver: exit $rc: $(tail -n 3 <<<"$out")"
else
	notok "kernel $s is not installed (run tests/deps.sh)"
fi
exit $bad
