#!/bin/bash
# A reader let in by matching credentials (not CAP_SYS_ADMIN) loses a
# process that execs a setuid program, as a ptrace tracer would: it gets
# no more notifications about it, not even its EXIT. A privileged reader
# of the same process keeps it, and an unprivileged reader of a process
# that execs an ordinary program keeps it too.
# guest-timeout: 90
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

# The initramfs root may be 0700 (made by mktemp -d): let nobody in.
chmod 755 /
# Static copies on the guest's tmpfs: nobody may not open files of the 9p
# root (not even the dynamic loader).
cp "$CW_BIN/exit0" /tmp/plain
cp "$CW_BIN/exit0" /tmp/setuid
chmod 755 /tmp/plain
chmod 4755 /tmp/setuid
load_module
for prog in /tmp/plain /tmp/setuid; do
	name=$(basename "$prog")
	rm -f "/tmp/$name.go"
	mkfifo "/tmp/$name.go"
	"$COWLOAD" execas 65534 "$prog" --help <"/tmp/$name.go" >"$RESULT_DIR/$name.out" 2>&1 &
	exec {fd}>"/tmp/$name.go"
	wait_for "$RESULT_DIR/$name.out" '^pid='
	pid=$(sed -n 's/^pid=//p' "$RESULT_DIR/$name.out")
	start_reader "$name-nobody" -U 65534 -t 4000 -u "$pid" watch "$pid"
	rn=$READER_PID
	start_reader "$name-root" -t 20000 -u "$pid" watch "$pid"
	rr=$READER_PID
	echo g >&"$fd"
	exec {fd}>&-
	wait "$rn" || fail "$name: nobody's reader failed"
	wait "$rr" || fail "$name: root's reader failed"
	expect_eq "$(grep -c "^exit pid=$pid " "$RESULT_DIR/$name-root.log")" 1 "$name: EXIT to the privileged reader"
	case $name in
	plain) want=1 ;;
	setuid) want=0 ;;
	esac
	expect_eq "$(grep -c "^exit pid=$pid " "$RESULT_DIR/$name-nobody.log")" $want "$name: EXIT to the unprivileged reader"
done
cat "$RESULT_DIR"/*.out
unload_module
