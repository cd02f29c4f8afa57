# shellcheck shell=bash
# Which Debian kernels cowwatch supports, and where each one is installed.
#
# A kernel is named by its series ("6.1", "6.12"); the exact release is read
# from the Debian metapackage that tracks that series, so a new point release
# from the mirror is picked up without editing anything here.

SUPPORTED_KERNELS="6.1 6.12"

# kernel_image_meta SERIES: the metapackage that pulls in SERIES' newest image.
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

# kernel_release SERIES: the release (uname -r) the metapackage points at,
# e.g. 6.1.0-56-amd64. Fails if the metapackage is not installed.
kernel_release() {
	local meta deps
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

# kernel_ready SERIES: true when image and headers of SERIES are installed.
kernel_ready() {
	local kver
	kver=$(kernel_release "$1") || return 1
	[ -r "/boot/vmlinuz-$kver" ] && [ -d "/lib/modules/$kver/kernel" ] &&
		[ -e "/lib/modules/$kver/build/Makefile" ]
}
