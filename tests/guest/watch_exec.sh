#!/bin/bash
# A reader let in by matching credentials (not CAP_SYS_ADMIN) loses a
# process that execs a setuid program, as a ptrace tracer would: it gets
# no more notifications about it, not even its EXIT. A privileged reader
# of the same process keeps it, and an unprivileged reader of a process
# that execs an ordinary program keeps it too.
# guest-timeout: 90
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

# nobody must be able to reach /tmp: a root that others cannot search (an
# initramfs made by mktemp -d is 0700) is opened up; a read-only root that
# is already searchable is left alone (chmod would fail there).
if [ $((8#$(stat -c %a /) & 1)) = 0 ]; then
	chmod o+x / || fail "/ is not searchable by others and cannot be changed"
fi
# Static copies on the guest's tmpfs: nobody may not open files of the 9p
# root (not even the dynamic loader).
cp "$CW_BIN/exit0" /tmp/plain
cp "$CW_BIN/exit0" /tmp/setuid
chmod 755 /tmp/plain
chmod 4755 /tmp/setuid
load_module
# nobody's reader ends on the EXIT of a sentinel, a process of nobody's
# that is killed once the victim's EXIT reached root's reader: the module
# sends a reader's notifications in order, so nobody's reader has by then
# seen whatever it was going to see about the victim. No idle time limit
# decides the verdict (a 4 s one ran out on a loaded host before the
# victim even started); -t is only a backstop.
"$COWLOAD" idleas 65534 >"$RESULT_DIR/sentinel.out" 2>&1 &
wait_for "$RESULT_DIR/sentinel.out" '^pid='
sentinel=$(sed -n 's/^pid=//p' "$RESULT_DIR/sentinel.out")
for prog in /tmp/plain /tmp/setuid; do
	name=$(basename "$prog")
	rm -f "/tmp/$name.go"
	mkfifo "/tmp/$name.go"
	"$COWLOAD" execas 65534 "$prog" --help <"/tmp/$name.go" >"$RESULT_DIR/$name.out" 2>&1 &
	exec {fd}>"/tmp/$name.go"
	wait_for "$RESULT_DIR/$name.out" '^pid='
	pid=$(sed -n 's/^pid=//p' "$RESULT_DIR/$name.out")
	if [ "$name" = plain ]; then
		start_reader "$name-nobody" -U 65534 -t 60000 -u "$pid" watch "$pid"
	else
		start_reader "$name-nobody" -U 65534 -t 60000 -u "$sentinel" watch "$pid" "$sentinel"
		wait_for "$RESULT_DIR/$name-nobody.log" "^watching $sentinel\$"
	fi
	rn=$READER_PID
	start_reader "$name-root" -t 60000 -u "$pid" watch "$pid"
	rr=$READER_PID
	echo g >&"$fd"
	exec {fd}>&-
	wait "$rr" || fail "$name: root's reader failed"
	[ "$name" = setuid ] && kill "$sentinel"
	wait "$rn" || fail "$name: nobody's reader failed"
	expect_eq "$(grep -c "^exit pid=$pid " "$RESULT_DIR/$name-root.log")" 1 "$name: EXIT to the privileged reader"
	case $name in
	plain) want=1 ;;
	setuid)
		want=0
		expect_eq "$(grep -c "^exit pid=$sentinel " "$RESULT_DIR/$name-nobody.log")" 1 \
			"$name: the sentinel's EXIT to the unprivileged reader"
		;;
	esac
	expect_eq "$(grep -c "^exit pid=$pid " "$RESULT_DIR/$name-nobody.log")" $want "$name: EXIT to the unprivileged reader"
done
cat "$RESULT_DIR"/*.out
unload_module
