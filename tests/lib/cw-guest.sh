# shellcheck shell=bash
# Helpers for the guest tests that watch workloads (sourced after
# guest-lib.sh): start a workload held at its start line, start readers,
# release the workload, count what the readers printed.
CW_BIN=$COWWATCH_SRC/tests/bin
CWREAD=$CW_BIN/cwread
COWLOAD=$CW_BIN/cowload

# The readers' logs: in the guest's tmpfs, linked from RESULT_DIR. A reader
# of a fork storm prints megabytes, and writing them through 9p to the host
# (slow when the guest is busy, as with one TCG thread for its vCPUs) held
# a killed or unloaded reader up for minutes. At the end a log's last lines
# replace its link, for the host to read.
CW_LOGS=$(mktemp -d /tmp/cwlogs.XXXXXX)
CW_LOG_KEEP=2000

# cw_log NAME: prints the path a reader's log NAME.log is written to; the
# tests read it as $RESULT_DIR/NAME.log.
cw_log() {
	: >"$CW_LOGS/$1.log"
	ln -sfn "$CW_LOGS/$1.log" "$RESULT_DIR/$1.log"
	echo "$CW_LOGS/$1.log"
}

cw_keep_logs() {
	local l
	for l in "$CW_LOGS"/*.log; do
		[ -f "$l" ] || continue
		tail -n "$CW_LOG_KEEP" "$l" >"$RESULT_DIR/${l##*/}.tmp" &&
			mv -f "$RESULT_DIR/${l##*/}.tmp" "$RESULT_DIR/${l##*/}"
	done
}

# A failed test must not leave the module loaded for the next one.
cw_cleanup() {
	local rc=$? j
	for j in $(jobs -p); do kill "$j" 2>/dev/null || true; done
	if module_loaded; then rmmod cowwatch || true; fi
	cw_keep_logs || true
	exit $rc
}
trap cw_cleanup EXIT

# start_load NAME MODE N [FILE]: cowload held at its start; sets
# LOAD_PID (its pid) and LOAD_REGION (start address of its region).
start_load() {
	local name=$1
	shift
	rm -f "/tmp/$name.go"
	mkfifo "/tmp/$name.go"
	"$COWLOAD" "$@" <"/tmp/$name.go" >"$RESULT_DIR/$name.out" 2>&1 &
	exec {CW_GO_FD}>"/tmp/$name.go"
	eval "GO_FD_$name=$CW_GO_FD"
	wait_for "$RESULT_DIR/$name.out" '^region='
	LOAD_PID=$(sed -n 's/^pid=//p' "$RESULT_DIR/$name.out")
	LOAD_REGION=$(sed -n 's/^region=//p' "$RESULT_DIR/$name.out")
}

# go NAME: releases the workload and waits for it to finish.
go() {
	local fdvar=GO_FD_$1
	echo g >&"${!fdvar}"
	eval "exec ${!fdvar}>&-"
	wait_for "$RESULT_DIR/$1.out" '^done$' 600
}

# start_reader NAME ARGS...: cwread ARGS in the background, output in
# $RESULT_DIR/NAME.log (see cw_log); waits until it watches. Sets READER_PID.
start_reader() {
	local name=$1 log
	shift
	log=$(cw_log "$name")
	"$CWREAD" "$@" >"$log" 2>&1 &
	READER_PID=$!
	wait_for "$RESULT_DIR/$name.log" '^watching\|^error\|^no family'
	grep -q '^watching' "$RESULT_DIR/$name.log" ||
		fail "reader $name: $(cat "$RESULT_DIR/$name.log")"
}

# count_events LOG TGID OUTCOME REGION NPAGES: events of TGID with OUTCOME
# whose address lies in the NPAGES-page region at REGION.
count_events() {
	awk -v tgid="$2" -v out="$3" -v lo="$(($4))" -v n="$5" '
		function hex(s,    i, v) {
			v = 0
			s = tolower(substr(s, 3))
			for (i = 1; i <= length(s); i++)
				v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return v
		}
		$1 == "event" {
			delete f
			for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			a = hex(f["addr"])
			if (f["tgid"] == tgid && (out == "*" || f["outcome"] == out) &&
			    a >= lo && a < lo + n * 4096)
				c++
		}
		END { print c + 0 }' "$1"
}

# exit_counter LOG TGID OUTCOME: the outcome's count in TGID's EXIT line.
exit_counter() {
	awk -v tgid="$2" -v out="$3" '
		$1 == "exit" {
			for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			if (f["tgid"] == tgid) { print f[out]; found = 1 }
		}
		END { if (!found) print "none" }' "$1"
}
