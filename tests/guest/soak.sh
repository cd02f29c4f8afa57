#!/bin/bash
# The soak (tests/workloads/soak): SOAK_S seconds (default 60) of random
# memory traffic of every kind, in phases of 30 to 120 s (at least 2), the
# module unloaded and loaded again between phases with other parameters
# (defaults; count_slots=16 and ring_size=64, so that readers lose
# records; idle_disarm=0). Swap on zram, a second zram device for O_DIRECT
# reads, a memory cgroup limited to 16 MiB for the pressure jobs (16 MiB
# each, and their children's copies), KSM running, hugetlb pages reserved.
# In each phase:
#   tree R (root): run by the real cowwatch in command mode
#     (--json --events -o), watched by cwread in events mode (E) and counts
#     mode (C) from before its first fork, and by readers that come and go
#     (cwread -d and cowwatch PID, stopped by SIGINT, SIGTERM or SIGKILL).
#   tree N (uid nobody): watched by nobody's readers up to the per-process
#     limit (4): counts (NC), events (NE), one that stops reading for a
#     third of the phase (NS: its socket fills), one killed mid-stream
#     (NK); one more gets EBUSY, and nobody may not watch tree R (EPERM).
# Checked after each phase (tests/lib/check_soak.py): no job failed and
# both trees ended; cowwatch's events plus its lost events equal the exit
# counters over tree R, and per process when nothing was lost; for E, C,
# NC and NE the same over the processes they saw born, with the root's
# tally at most its counters; every reader ended by itself when its tree
# did (none hung), NS's losses show as lost events or sequence gaps; then
# nothing is watched, the probes are disarmed (idle_disarm=1), the module
# unloads and leaves no vmalloc area. No kernel splat (the harness). The
# seed is printed: SOAK_SEED=S replays the same choices.
# guest-timeout: 480
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"
# A copy in the tmpfs: its exec job runs it again, and nobody cannot open
# files of the guest's 9p root (it is static: no loader either).
SOAK=/tmp/soak
install -m 0755 "$COWWATCH_SRC/tests/workloads/soak" "$SOAK"
CHECK=$COWWATCH_SRC/tests/lib/check_soak.py
total=${SOAK_S:-60}
# Seconds a job may take past the phase's end (make check-debug: more).
grace=${SOAK_GRACE:-60}
seed=${SOAK_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
# Phases of 30 s for make check's minute, up to 120 s for longer soaks
# (make soak's 600 s: 5 phases): each phase adds a minute of setup and checks.
phases=$((total / 120))
[ "$phases" -ge 2 ] || phases=2
phase_s=$((total / phases))
[ "$phase_s" -ge 10 ] || phase_s=10
echo "soak: seed $seed, $phases phases of ${phase_s}s (SOAK_SEED=$seed SOAK_S=$total replays it)"

# ---- the machine: swap, block device, cgroup, KSM, hugetlb, THP ----
modprobe zram 2>/dev/null || true
[ -e /sys/block/zram0 ] || fail "no zram device"
echo 256M >/sys/block/zram0/disksize
mkswap /dev/zram0 >/dev/null
swapon /dev/zram0 || fail "swapon /dev/zram0"
bdev_id=$(cat /sys/class/zram-control/hot_add)
echo 4M >"/sys/block/zram$bdev_id/disksize"
bdev=/dev/zram$bdev_id
[ -b "$bdev" ] || fail "no $bdev"
mkdir -p /sys/fs/cgroup
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
cg=/sys/fs/cgroup/soak-pressure
mkdir -p "$cg"
echo 16M >"$cg/memory.max"
ksm=/sys/kernel/mm/ksm
echo 20 >"$ksm/sleep_millisecs"
echo 1000 >"$ksm/pages_to_scan"
echo 1 >"$ksm/run"
echo 32 >/proc/sys/vm/nr_hugepages
expect_eq "$(cat /proc/sys/vm/nr_hugepages)" 32 "huge pages reserved"
echo always >/sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || true

stats() { "$CWREAD" stats; }
stat_field() { stats | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }

# wait_exit PID SECONDS WHAT: PID ends by itself within SECONDS; its status.
wait_exit() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || { wait "$1"; return; }
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null || true
	fail "$3 (pid $1) did not end within $2 s"
}

# alive PID: PID exists and is not a zombie.
alive() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# sigint_heeded PID: waits (up to 10 s) until PID has exec'd the reader and
# would act on SIGINT: not ignored (cwread sets it to the default), or
# blocked (cowwatch takes it from a signalfd). A script's background job
# starts with SIGINT ignored, and a SIGINT sent before the reader's own
# code ran is lost: that is bash's doing, not the reader's.
sigint_heeded() {
	local i ign blk
	for ((i = 0; i < 100; i++)); do
		case "$(readlink "/proc/$1/exe" 2>/dev/null)" in
		*/bash) sleep 0.1; continue ;;
		esac
		ign=$(sed -n 's/^SigIgn:\t//p' "/proc/$1/status" 2>/dev/null) || return 0
		blk=$(sed -n 's/^SigBlk:\t//p' "/proc/$1/status" 2>/dev/null) || return 0
		[ -n "$ign" ] || return 0
		if (((0x$ign & 2) == 0 || (0x$blk & 2) != 0)); then return 0; fi
		sleep 0.1
	done
}

# churn ROOT UNTIL: readers on tree R that come and go until UNTIL exists.
# One that has not ended 30 s after its signal is written down, with what
# it waits on, in churn.bad.
churn() {
	local root=$1 until=$2 n=0 r rc how kind t
	set +e
	while [ ! -e "$until" ] && alive "$root"; do
		n=$((n + 1))
		kind=$((n % 3))
		case $kind in
		0) "$COWWATCH_BIN" -o /dev/null "$root" >"$CW_LOGS/churn.$n" 2>&1 & ;;
		1) "$CWREAD" -d watch "$root" >/dev/null 2>"$CW_LOGS/churn.$n" & ;;
		2) "$CWREAD" -c -d watch "$root" >/dev/null 2>"$CW_LOGS/churn.$n" & ;;
		esac
		r=$!
		sleep "0.$((RANDOM % 9 + 1))"
		how=$((RANDOM % 3))
		[ "$how" = 0 ] && sigint_heeded "$r"
		case $how in
		0) kill -INT "$r" 2>/dev/null ;;
		1) kill -TERM "$r" 2>/dev/null ;;
		2) kill -KILL "$r" 2>/dev/null ;;
		esac
		for ((t = 0; t < 300; t++)); do
			kill -0 "$r" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$r" 2>/dev/null; then
			{
				echo "churn reader $n (kind $kind, signal $how) still running 30 s later:"
				echo "  stat: $(cat "/proc/$r/stat" 2>&1)"
				echo "  wchan: $(cat "/proc/$r/wchan" 2>&1)"
				sed 's/^/  stack: /' "/proc/$r/stack" 2>&1
				for th in /proc/"$r"/task/*; do echo "  task ${th##*/}: $(cat "$th/wchan" 2>&1)"; done
				sed 's/^/  output: /' "$CW_LOGS/churn.$n"
			} >>"$RESULT_DIR/churn.bad"
			kill -KILL "$r" 2>/dev/null
		fi
		wait "$r" 2>/dev/null
		rc=$?
		# SIGINT or SIGTERM: a clean end (0), or the signal's status if it
		# came before the reader set its handlers; EBUSY (2) if all four
		# slots were taken (a killed reader's is freed when its socket goes).
		# The tree may have ended meanwhile: then "no such process" (2, 5).
		if ! alive "$root" && { [ "$rc" = 2 ] || [ "$rc" = 5 ]; }; then
			:
		elif [ "$how" != 2 ] && [ "$rc" != 0 ] && [ "$rc" != 2 ] && [ "$rc" != 130 ] && [ "$rc" != 143 ]; then
			{
				echo "churn reader $n (kind $kind) ended with $rc after signal $how:"
				sed 's/^/  output: /' "$CW_LOGS/churn.$n"
			} >>"$RESULT_DIR/churn.bad"
		fi
		rm -f "$CW_LOGS/churn.$n"
		echo "$n" >"$RESULT_DIR/churn.count"
	done
}

phase() {
	local i=$1 params=$2
	local dir=$CW_LOGS/phase$i go=/tmp/soak-go-$i stop=/tmp/soak-stop-$i
	local rpid npid cw e c nc ne ns nk churner out rc
	mkdir -p "$dir"
	rm -f "$go" "$stop"
	echo "== phase $i: ${phase_s}s, module ${params:-defaults}"
	# shellcheck disable=SC2086
	load_module $params

	# Tree R under the real cowwatch, from its exec.
	"$COWWATCH_BIN" --json --events -o "$dir/cowwatch.ndjson" -- "$SOAK" --seed "$((seed + i))" \
		--seconds "$phase_s" --procs 6 --go "$go" --file "/tmp/soak-r$i" --bdev "$bdev" \
		--cgroup "$cg" --huge 2 --grace "$grace" >"$dir/r.out" 2>"$dir/r.err" &
	cw=$!
	wait_for "$dir/r.out" '^ready' 600
	rpid=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$dir/r.out")
	"$CWREAD" -u "$rpid" watch "$rpid" >"$dir/e.log" 2>&1 &
	e=$!
	"$CWREAD" -c -u "$rpid" watch "$rpid" >"$dir/c.log" 2>&1 &
	c=$!

	# Tree N as nobody, and nobody's readers.
	"$SOAK" --seed "$((seed + 1000 + i))" --seconds "$phase_s" --procs 3 --go "$go" \
		--file "/tmp/soak-n$i" --uid 65534 --grace "$grace" >"$dir/n.out" 2>"$dir/n.err" &
	npid=$!
	wait_for "$dir/n.out" '^ready' 600
	"$CWREAD" -U 65534 -c -u "$npid" watch "$npid" >"$dir/nc.log" 2>&1 &
	nc=$!
	"$CWREAD" -U 65534 -u "$npid" watch "$npid" >"$dir/ne.log" 2>&1 &
	ne=$!
	"$CWREAD" -U 65534 -b 65536 -t 60000 -u "$npid" watch "$npid" >"$dir/ns.log" 2>&1 &
	ns=$!
	"$CWREAD" -U 65534 -u "$npid" watch "$npid" >"$dir/nk.log" 2>&1 &
	nk=$!
	for f in e c nc ne ns nk; do wait_for "$dir/$f.log" '^watching\|^error' 600; done
	for f in e c nc ne ns nk; do
		grep -q '^watching' "$dir/$f.log" || fail "reader $f: $(cat "$dir/$f.log")"
	done
	out=$("$CWREAD" -U 65534 watch "$npid" 2>&1) && fail "a fifth reader of tree N was let in: $out"
	grep -q EBUSY <<<"$out" || fail "a fifth reader of tree N: $out"
	echo "ok: a fifth reader of one process gets EBUSY"
	out=$("$CWREAD" -U 65534 watch "$rpid" 2>&1) && fail "nobody watches root's tree: $out"
	grep -q EPERM <<<"$out" || fail "nobody watching root's tree: $out"
	echo "ok: nobody may not watch root's tree (EPERM)"

	: >"$RESULT_DIR/churn.count"
	rm -f "$RESULT_DIR/churn.bad"
	churn "$rpid" "$stop" &
	churner=$!
	touch "$go"
	kill -STOP "$ns"
	sleep $((phase_s / 3))
	kill -KILL "$nk"
	wait "$nk" 2>/dev/null || true
	sleep $((phase_s / 3))
	kill -CONT "$ns"

	# Both trees end by themselves; then every reader of them.
	rc=0
	wait_exit "$cw" $((phase_s + grace + 180)) "cowwatch -- soak (tree R)" || rc=$?
	[ "$rc" = 0 ] || { cat "$dir/r.out" "$dir/r.err"; fail "tree R: cowwatch -- soak exited $rc"; }
	wait_exit "$npid" $((grace + 180)) "soak (tree N)" || rc=$?
	[ "$rc" = 0 ] || { cat "$dir/n.out" "$dir/n.err"; fail "tree N: soak exited $rc"; }
	touch "$stop"
	wait_exit "$churner" 60 "the readers coming and going" || fail "the readers coming and going failed"
	[ ! -s "$RESULT_DIR/churn.bad" ] || { cat "$RESULT_DIR/churn.bad"; fail "churn: a reader misbehaved"; }
	echo "ok: $(cat "$RESULT_DIR/churn.count") readers came and went"
	for r in "$e:E" "$c:C" "$nc:NC" "$ne:NE" "$ns:NS"; do
		wait_exit "${r%%:*}" 120 "reader ${r#*:}" || fail "reader ${r#*:} exited $?"
	done
	cat "$dir/r.out" "$dir/r.err" "$dir/n.out" "$dir/n.err"
	python3 "$CHECK" --cowwatch "$dir/cowwatch.ndjson" --root "$rpid" --reader E="$dir/e.log" \
		--reader C="$dir/c.log" --soak "$dir/r.out" || fail "phase $i: tree R"
	python3 "$CHECK" --root "$npid" --reader NC="$dir/nc.log" --reader NE="$dir/ne.log" \
		--stopped NS="$dir/ns.log" --soak "$dir/n.out" || fail "phase $i: tree N"
	for f in "$dir"/*; do tail -n 300 "$f" >"$RESULT_DIR/phase$i.${f##*/}"; done
	# A phase's logs are hundreds of MB in the guest's tmpfs: gone once checked.
	rm -rf "$dir"

	# Nothing left: no process watched, probes disarmed, the module unloads.
	for ((t = 0; t < 100; t++)); do
		[ "$(stat_field watched)" = 0 ] && break
		sleep 0.1
	done
	expect_eq "$(stat_field watched)" 0 "phase $i: processes watched at its end"
	if [[ " $params " != *" idle_disarm=0 "* ]]; then
		for ((t = 0; t < 100; t++)); do
			[ "$(stat_field armed)" = 0 ] && break
			sleep 0.1
		done
		expect_eq "$(stat_field armed)" 0 "phase $i: probes armed with nothing watched"
	fi
	stats
	expect_eq "$(awk '$1 == "cowwatch" { print $3 }' /proc/modules)" 0 "phase $i: module refcount"
	unload_module
	! grep -q '\[cowwatch\]' /proc/vmallocinfo || fail "phase $i: the module left vmalloc areas"
	echo "ok: phase $i left nothing"
}

param_sets=("" "count_slots=16 ring_size=64" "idle_disarm=0")
for ((i = 0; i < phases; i++)); do
	phase "$i" "${param_sets[$(((seed + i) % 3))]}"
done
swapoff /dev/zram0
echo 2 >"$ksm/run"
echo 0 >/proc/sys/vm/nr_hugepages
echo "soak: seed $seed passed"
