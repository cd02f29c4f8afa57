# shellcheck shell=bash
# Helpers for tests that run inside the guest (sourced by tests/guest/*.sh).
set -euo pipefail

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
	echo "ok: $3 = $2"
}

module_loaded() {
	grep -q '^cowwatch ' /proc/modules
}

load_module() {
	[ -r "$COWWATCH_KO" ] || fail "no module at $COWWATCH_KO"
	insmod "$COWWATCH_KO" "$@" || fail "insmod $COWWATCH_KO failed"
	module_loaded || fail "cowwatch not in /proc/modules after insmod"
}

unload_module() {
	rmmod cowwatch || fail "rmmod cowwatch failed"
	! module_loaded || fail "cowwatch still in /proc/modules after rmmod"
}
