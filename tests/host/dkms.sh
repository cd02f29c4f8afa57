#!/bin/bash
# DKMS with Debian bookworm's dkms: `dkms add`, `build`, `install` for each
# supported kernel (always with -k: the host runs another kernel), the
# installed module found by modprobe and loaded in a guest of that kernel,
# then `dkms remove --all` leaves nothing behind.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib/kernels.sh"
cd "$SRC" || exit 1

name=cowwatch
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
tree=/usr/src/$name-$version
bad=0
ok() { echo "ok: $*"; }
notok() { echo "not ok: $*"; bad=1; }

cleanup() {
	dkms remove -m "$name" -v "$version" --all >/dev/null 2>&1
	rm -rf "$tree"
}
# A registration left by an earlier, interrupted run would make `add` fail.
cleanup
trap cleanup EXIT

# What a DKMS source tree holds: the Kbuild tree and dkms.conf, no build output.
mkdir -p "$tree/kmod/uapi"
cp Kbuild dkms.conf "$tree/"
cp kmod/Kbuild kmod/*.[ch] "$tree/kmod/"
cp kmod/uapi/*.h "$tree/kmod/uapi/"
if out=$(dkms add "$tree" 2>&1); then ok "dkms add $tree"; else notok "dkms add: $out"; exit 1; fi

for s in $SUPPORTED_KERNELS; do
	kver=$(kernel_release "$s") || { notok "kernel $s not installed"; continue; }
	for step in build install; do
		if out=$(dkms "$step" -m "$name" -v "$version" -k "$kver" 2>&1); then
			ok "[$s] dkms $step -k $kver"
		else
			notok "[$s] dkms $step -k $kver"
			sed 's/^/    | /' <<<"$out"
			continue 2
		fi
	done
	status=$(dkms status -m "$name" -v "$version" -k "$kver" 2>/dev/null)
	case "$status" in
	*"$kver"*": installed"*) ok "[$s] dkms status: $status" ;;
	*) notok "[$s] dkms status says '$status'" ;;
	esac
	if out=$(tests/guest.sh --kernel "$s" --no-build tests/dkms/guest-modprobe.sh 2>&1); then
		ok "[$s] DKMS-installed module: modprobe, version, unload in the guest"
	else
		notok "[$s] DKMS-installed module in the guest"
		sed 's/^/    | /' <<<"$out"
	fi
done

dkms remove -m "$name" -v "$version" --all >/dev/null 2>&1 || notok "dkms remove --all failed"
left=$(find /lib/modules -path '*/updates/dkms/*' -name "$name.ko*" 2>/dev/null)
if [ -z "$left" ] && [ -z "$(dkms status -m "$name" 2>/dev/null)" ]; then
	ok "dkms remove --all leaves no module and no registration"
else
	notok "left behind after dkms remove: $left $(dkms status -m "$name")"
fi
exit $bad
