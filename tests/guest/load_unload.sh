#!/bin/bash
# The module loads on the guest's kernel, says which version it is, and
# unloads cleanly, twice over (a second load catches state left behind).
# guest-timeout: 60
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"

release=$(sed -n 's/^#define COWWATCH_RELEASE[[:space:]]*"\(.*\)"/\1/p' \
	"$COWWATCH_SRC/kmod/uapi/cowwatch.h")
[ -n "$release" ] || fail "no COWWATCH_RELEASE in the uapi header"

expect_eq "$(modinfo -F vermagic "$COWWATCH_KO" | cut -d' ' -f1)" "$(uname -r)" \
	"module built for the running kernel"
expect_eq "$(modinfo -F license "$COWWATCH_KO")" GPL "module license"
expect_eq "$(modinfo -F version "$COWWATCH_KO")" "$release" "module version"
for parm in ring_size drain_at maxactive; do
	expect_eq "$(modinfo -F parm "$COWWATCH_KO" | grep -c "^$parm:.*default")" 1 \
		"$parm is a module parameter whose description gives its default"
done
modinfo -F description "$COWWATCH_KO" | grep -q 'copy-on-write' || fail "no description"

for round in 1 2; do
	dmesg -C
	load_module
	dmesg | grep -q "cowwatch: version $release loaded" ||
		fail "round $round: no load message in the kernel log"
	expect_eq "$(cat /sys/module/cowwatch/version)" "$release" "round $round: /sys/module/cowwatch/version"
	unload_module
	dmesg | grep -q "cowwatch: unloaded" || fail "round $round: no unload message"
done
