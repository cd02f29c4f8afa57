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

# wait_for FILE PATTERN [TENTHS]: until a line of FILE matches PATTERN.
wait_for() {
	local i
	for ((i = 0; i < ${3:-300}; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "timed out waiting for '$2' in $1: $(cat "$1" 2>/dev/null)"
}

# start_held_tree TENTHS ARGS...: tests/workloads/cowtree --hold ARGS in
# the background, its output in $RESULT_DIR/tree.txt; waits up to TENTHS
# tenths of a second for its workers to be forked and held. Sets TREE_PID;
# release_tree lets the workers go.
start_held_tree() {
	local tenths=$1 hold
	shift
	hold=$(mktemp -u /tmp/hold.XXXXXX)
	mkfifo "$hold"
	"$COWWATCH_SRC/tests/workloads/cowtree" --hold "$@" <"$hold" >"$RESULT_DIR/tree.txt" &
	TREE_PID=$!
	exec 7>"$hold"
	wait_for "$RESULT_DIR/tree.txt" '^held' "$tenths"
}

release_tree() {
	echo go >&7
	exec 7>&-
}

module_loaded() {
	grep -q '^cowwatch ' /proc/modules
}

# load_module [PARAM=VALUE...]: insmod with these parameters, the module's
# defaults otherwise: idle_disarm=1, the probes armed at each test's first
# WATCH and disarmed once nothing is watched, as users run it.
# COWWATCH_MODULE_EXTRA (from guest.sh --env) is added to every load: the
# debug kernel's runs raise maxactive there (see tests/debug/run.sh).
load_module() {
	[ -r "$COWWATCH_KO" ] || fail "no module at $COWWATCH_KO"
	# shellcheck disable=SC2086
	insmod "$COWWATCH_KO" "$@" ${COWWATCH_MODULE_EXTRA:-} || fail "insmod $COWWATCH_KO failed"
	module_loaded || fail "cowwatch not in /proc/modules after insmod"
}

unload_module() {
	rmmod cowwatch || fail "rmmod cowwatch failed"
	! module_loaded || fail "cowwatch still in /proc/modules after rmmod"
}

# wait_watched N [TENTHS]: until the module watches N processes (GET_STATS,
# through tests/bin/cwread), i.e. a reader started in the background has
# attached; fails after TENTHS tenths of a second (default 300).
wait_watched() {
	local i n=''
	for ((i = 0; i < ${2:-300}; i++)); do
		n=$("$COWWATCH_SRC/tests/bin/cwread" stats 2>/dev/null |
			sed -n 's/.* watched=\([0-9]*\) .*/\1/p')
		[ "$n" = "$1" ] && return 0
		sleep 0.1
	done
	fail "timed out waiting for $1 watched processes (GET_STATS says '$n')"
}

# khugepaged_exact: until the test ends, khugepaged collapses only ranges
# whose small pages are all present and private. A collapse copies the
# range's shared pages (up to max_ptes_shared, 256) and fills its empty
# ones (max_ptes_none, 511) into new memory with no write fault: smaps grows
# by what cowwatch cannot see (README: "cowwatch and smaps with THP"). Seen
# in python_story.sh on 7.2: one worker's smaps 398 pages above its copies.
khugepaged_exact() {
	local k=/sys/kernel/mm/transparent_hugepage/khugepaged
	[ -w "$k/max_ptes_shared" ] || return 0
	KHUGEPAGED_RESTORE="$(cat "$k/max_ptes_shared") $(cat "$k/max_ptes_none")"
	echo 0 >"$k/max_ptes_shared"
	echo 0 >"$k/max_ptes_none"
}

khugepaged_restore() {
	local k=/sys/kernel/mm/transparent_hugepage/khugepaged
	[ -n "${KHUGEPAGED_RESTORE:-}" ] || return 0
	echo "${KHUGEPAGED_RESTORE% *}" >"$k/max_ptes_shared"
	echo "${KHUGEPAGED_RESTORE#* }" >"$k/max_ptes_none"
}
