#!/bin/bash
# Run in the guest by tests/host/dkms.sh after `dkms install`: the module
# DKMS installed for this kernel is found by modprobe, is the release we
# built, loads and unloads.
# guest-timeout: 60
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
modprobe -r cowwatch || fail "modprobe -r cowwatch failed"
! module_loaded || fail "still loaded after modprobe -r"
