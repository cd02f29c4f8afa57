#!/bin/bash
# Children forked before WATCH are not watched, unless WATCH asks for the
# existing descendants: then the child's N copies are reported, and the
# grandchild's EXIT too.
# guest-timeout: 90
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
. "$COWWATCH_SRC/tests/lib/cw-guest.sh"

N=21
load_module
for mode in plain descendants; do
	start_load "$mode" prefork $N
	wait_for "$RESULT_DIR/$mode.out" '^grandchild='
	child=$(sed -n 's/^child=//p' "$RESULT_DIR/$mode.out")
	grandchild=$(sed -n 's/^grandchild=//p' "$RESULT_DIR/$mode.out")
	opt=()
	[ "$mode" = descendants ] && opt=(-d)
	start_reader "r-$mode" "${opt[@]}" -u "$LOAD_PID" watch "$LOAD_PID"
	go "$mode"
	wait "$READER_PID" || fail "reader failed"
	log=$RESULT_DIR/r-$mode.log
	case $mode in
	plain) want=0 exits=0 ;;
	descendants) want=$N exits=1 ;;
	esac
	expect_eq "$(count_events "$log" "$child" copy "$LOAD_REGION" $N)" "$want" "$mode: child copies"
	expect_eq "$(grep -c "^exit pid=$child " "$log")" "$exits" "$mode: child EXIT"
	expect_eq "$(grep -c "^exit pid=$grandchild " "$log")" "$exits" "$mode: grandchild EXIT"
	expect_eq "$(count_events "$log" "$LOAD_PID" '*' "$LOAD_REGION" $N)" 0 "$mode: parent events in the region"
done
unload_module
