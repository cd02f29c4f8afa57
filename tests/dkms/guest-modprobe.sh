#!/bin/bash
# Run in the guest by tests/host/dkms.sh after `make dkms-install`: the
# module DKMS installed for this kernel is found by modprobe, is the release
# we built, loads, and passes a smoke test: cowwatch -- cowtree, whose
# copies per worker, region and code the reader must report exactly
# (tests/lib/check_tree.py). Then it unloads.
# guest-timeout: 150
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
release=$(sed -n 's/^#define COWWATCH_RELEASE[[:space:]]*"\(.*\)"/\1/p' \
	"$COWWATCH_SRC/kmod/uapi/cowwatch.h")
path=$(modinfo -n cowwatch) || fail "modprobe cannot find cowwatch for $(uname -r)"
case "$path" in
"/lib/modules/$(uname -r)/updates/dkms/"*) echo "ok: found at $path" ;;
*) fail "cowwatch found at $path, not in updates/dkms" ;;
esac
modprobe cowwatch || fail "modprobe cowwatch failed"
expect_eq "$(cat /sys/module/cowwatch/version)" "$release" "loaded DKMS module version"

"$COWWATCH_BIN" --json --events -o "$RESULT_DIR/out.json" -- \
	"$COWWATCH_SRC/tests/workloads/cowtree" 5 20 >"$RESULT_DIR/tree.txt" ||
	fail "cowwatch -- cowtree exited $?"
python3 "$COWWATCH_SRC/tests/lib/check_tree.py" "$RESULT_DIR/tree.txt" "$RESULT_DIR/out.json" ||
	fail "smoke test: attribution differs from ground truth"

modprobe -r cowwatch || fail "modprobe -r cowwatch failed"
! module_loaded || fail "still loaded after modprobe -r"
