#!/bin/bash
# prepare-kernels.sh [--cached] [SERIES...]: what `make kernels` runs. Makes
# every supported kernel (or the SERIES given) ready to build for and boot:
# build/kernels/KVER/vmlinuz and build/kernels/KVER/modules/ (see
# tests/lib/kernels.sh). bookworm's kernels: links to what tests/deps.sh
# installed. sid's 7.2: tests/lib/sid-kernel.sh (the chroot, the unpacked
# packages; asks the mirror for a newer upload unless --cached). One line
# per kernel; exit status 1 if any could not be prepared.
set -uo pipefail
. "$(dirname "$0")/kernels.sh"
cached=''
[ "${1-}" = --cached ] && { cached=--cached; shift; }
[ $# -gt 0 ] || set -- $SUPPORTED_KERNELS
bad=0
for s in "$@"; do
	if kernel_prepare "$s" $cached && kernel_ready "$s"; then
		kver=$(kernel_release "$s")
		echo "kernel $s: $kver: build/kernels/$kver/vmlinuz, build/kernels/$kver/modules/"
	else
		echo "kernel $s: could not be prepared ($(kernel_not_ready_why "$s"))" >&2
		bad=1
	fi
done
exit $bad
