# shellcheck shell=bash
# Which Debian kernels cowwatch supports, and where each one is.
#
# A kernel is named by its series ("6.1", "6.12", "7.2"); the exact release
# is never pinned. 6.1 and 6.12 come from bookworm, installed on the host by
# tests/deps.sh: the release is what their metapackage points at. 7.2 comes
# from sid, which bookworm cannot install (its headers need sid's gcc):
# tests/lib/sid-kernel.sh builds a sid chroot for building against it and
# unpacks the kernel under build/; the release is the newest 7.2 the
# mirror's sid offered when it last ran (build/kernels/7.2.kver).
#
# `make kernels` (tests/lib/prepare-kernels.sh) leaves every supported
# kernel as build/kernels/KVER/vmlinuz and build/kernels/KVER/modules/ (its
# /lib/modules/KVER tree): links to /boot and /lib/modules for bookworm's,
# the unpacked packages for sid's. The guests boot from there.

SUPPORTED_KERNELS="6.1 6.12 7.2"
# Kernels the guests can also boot, not part of make check: 6.12-debug is
# Debian's 6.12 source built with KASAN, lockdep, kmemleak and more
# (tests/debug/build-kernel.sh, make check-debug).
EXTRA_KERNELS="6.12-debug"

KERNELS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KERNELS_DIR=$KERNELS_TOP/build/kernels

# kernel_from_sid SERIES: true when SERIES is built in the sid chroot.
kernel_from_sid() {
	[ "$1" = 7.2 ]
}

# kernel_is_debug SERIES: true when SERIES is the debug kernel built here.
kernel_is_debug() {
	[ "$1" = 6.12-debug ]
}

# kernel_image_meta SERIES: the bookworm metapackage of SERIES' newest image.
kernel_image_meta() {
	case "$1" in
	6.1) echo linux-image-amd64 ;;
	6.12) echo linux-image-6.12-amd64 ;;
	*) return 1 ;;
	esac
}

# kernel_headers_meta SERIES: the matching headers metapackage.
kernel_headers_meta() {
	case "$1" in
	6.1) echo linux-headers-amd64 ;;
	6.12) echo linux-headers-6.12-amd64 ;;
	*) return 1 ;;
	esac
}

# kernel_release SERIES: the release (uname -r), e.g. 6.1.0-56-amd64. Fails
# if SERIES is not installed (bookworm's) or not prepared (sid's).
kernel_release() {
	local meta deps
	if kernel_from_sid "$1" || kernel_is_debug "$1"; then
		[ -s "$KERNELS_DIR/$1.kver" ] || return 1
		cat "$KERNELS_DIR/$1.kver"
		return
	fi
	meta=$(kernel_image_meta "$1") || return 1
	deps=$(dpkg-query -W -f='${Status} ${Depends}\n' "$meta" 2>/dev/null) || return 1
	case "$deps" in
	"install ok installed "*) ;;
	*) return 1 ;;
	esac
	deps=${deps#install ok installed }
	deps=${deps%% *}
	echo "${deps#linux-image-}"
}

# kernel_headers_ready SERIES KVER: true when KVER's headers are there.
kernel_headers_ready() {
	if kernel_is_debug "$1"; then
		[ -e "$KERNELS_DIR/$2/modules/build/Makefile" ]
	elif kernel_from_sid "$1"; then
		[ -e "$KERNELS_TOP/build/sid-chroot/usr/src/linux-headers-$2/Makefile" ]
	else
		[ -e "/lib/modules/$2/build/Makefile" ]
	fi
}

# kernel_link_host SERIES: build/kernels/KVER for one of bookworm's kernels
# (links to /boot/vmlinuz-KVER and /lib/modules/KVER); no network.
kernel_link_host() {
	local kver
	kver=$(kernel_release "$1") || return 1
	[ -r "/boot/vmlinuz-$kver" ] && [ -d "/lib/modules/$kver/kernel" ] || return 1
	mkdir -p "$KERNELS_DIR/$kver"
	ln -sfn "/boot/vmlinuz-$kver" "$KERNELS_DIR/$kver/vmlinuz"
	ln -sfn "/lib/modules/$kver" "$KERNELS_DIR/$kver/modules"
}

# kernel_ready SERIES: true when SERIES can be built for and booted:
# build/kernels/KVER/vmlinuz and modules/ and the headers are there.
kernel_ready() {
	local kver
	kver=$(kernel_release "$1") || return 1
	[ -r "$KERNELS_DIR/$kver/vmlinuz" ] && [ -r "$KERNELS_DIR/$kver/modules/modules.dep" ] &&
		kernel_headers_ready "$1" "$kver"
}

# kernel_prepare SERIES [--cached]: make SERIES ready (tests/lib/prepare-kernels.sh).
kernel_prepare() {
	if kernel_is_debug "$1"; then
		"$KERNELS_TOP/tests/debug/build-kernel.sh"
	elif kernel_from_sid "$1"; then
		"$KERNELS_TOP/tests/lib/sid-kernel.sh" prepare ${2:+"$2"}
	else
		kernel_link_host "$1" || {
			echo "kernels: kernel $1 is not installed: run tests/deps.sh as root" >&2
			return 1
		}
	fi
}

# kernel_not_ready_why SERIES: what to do about a SERIES that is not ready.
kernel_not_ready_why() {
	if kernel_is_debug "$1"; then
		echo "not built: tests/debug/build-kernel.sh (make check-debug builds it)"
	elif kernel_from_sid "$1"; then
		echo "not prepared: make kernels (as root; builds the sid chroot)"
	else
		echo "not installed: run tests/deps.sh as root"
	fi
}
