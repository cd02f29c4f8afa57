#!/bin/bash
# The debug kernel's leak check, run after every other test of make
# check-debug in the same boot (guest-init clears kmemleak's list at boot):
# two scans, 6 s apart (an object younger than 5 s is not reported), then
# any unreferenced object fails, the module's or not. A leaked object of an
# unloaded module shows only raw addresses in its backtrace, so none is let
# through as "someone else's".
# guest-timeout: 900
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
k=/sys/kernel/debug/kmemleak
[ -w "$k" ] || fail "no $k: not the debug kernel (make check-debug)"
echo scan >"$k"
sleep 6
echo scan >"$k"
leaks=$(cat "$k")
if [ -n "$leaks" ]; then
	echo "$leaks" | head -n 200
	fail "kmemleak: $(grep -c '^unreferenced object' <<<"$leaks") unreferenced objects"
fi
echo "ok: kmemleak found no unreferenced object"
