#!/bin/bash
# sid-kernel.sh: Debian sid's 7.2 kernel, prepared on a bookworm machine
# without installing anything from sid into the host system.
#
#   sid-kernel.sh prepare [--cached]
#       Makes (or reuses) build/sid-chroot, a minbase sid chroot made with
#       mmdebstrap from the mirror the machine's apt already uses, holding
#       the 7.2 headers, linux-kbuild, gcc, make, sparse, dkms and kmod:
#       the module for 7.2 is built in there (7.2's headers need sid's gcc,
#       which bookworm cannot install). And unpacks, with dpkg-deb -x, the
#       kernel (linux-binary-KVER), its modules (linux-modules-KVER) and
#       linux-base-KVER (modules.builtin, config) into build/kernels/KVER/:
#       vmlinuz, and modules/ (the /lib/modules/KVER tree, depmod'ed).
#       The release is the newest 7.2 the mirror's sid offers (sid moves:
#       no patch release is pinned). build/kernels/7.2.kver names it and
#       build/kernels/KVER/versions records the package versions; a later
#       prepare asks the mirror again and picks up a new upload (new
#       headers in the chroot, a new build/kernels/KVER), or fails saying
#       why. With --cached, a complete cache is used without asking.
#   sid-kernel.sh run CMD [ARG...]
#       Runs CMD in the chroot, in a mount namespace of its own (nothing
#       stays mounted): /proc, this source tree at its own path, and
#       build/kernels/KVER/modules as /lib/modules/KVER (with the headers'
#       build and source links), so Kbuild, DKMS and depmod inside see the
#       kernel's real modules tree.
#   sid-kernel.sh kver
#       Prints the prepared release (from build/kernels/7.2.kver).
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SERIES=7.2
ROOT=$SRC/build/sid-chroot
KERNELS=$SRC/build/kernels
KVER_FILE=$KERNELS/$SERIES.kver
# The chroot's packages besides minbase (the 7.2 headers come on top).
TOOLS=gcc,make,sparse,dkms,kmod,xz-utils,openssl
APT_OPTS=(-o Acquire::Check-Valid-Until=false -o APT::Install-Recommends=false -q)

die() {
	echo "sid-kernel: $*" >&2
	exit 1
}
note() { echo "sid-kernel: $*" >&2; }

# The Debian mirror this machine's apt uses (never written down here): the
# first enabled deb source of a suite that is not a -security one, from
# /etc/apt/sources.list.d/*.sources (deb822) or the one-line lists.
apt_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
		{
			types = uris = suites = ""; enabled = 1
			for (i = 1; i <= NF; i++) {
				line = $i
				if (line ~ /^#/) continue
				key = tolower(line); sub(/:.*/, "", key)
				val = line; sub(/^[^:]*:[ \t]*/, "", val)
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "enabled" && tolower(val) == "no") enabled = 0
			}
			if (enabled && types ~ /(^| )deb( |$)/ && uris != "" && suites !~ /-security/) {
				split(uris, u, /[ \t]+/); print u[1]; exit
			}
		}' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			if ($(i + 1) !~ /-security/) print $i }' "$f"
	done
}

in_chroot() { # in_chroot CMD...: plain chroot, for apt (no binds needed)
	chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

cached_kver() { [ -s "$KVER_FILE" ] && cat "$KVER_FILE"; }

# complete KVER: the chroot has KVER's headers and build/kernels/KVER is whole.
complete() {
	local kver=$1
	[ -e "$ROOT/.cowwatch-chroot" ] &&
		[ -e "$ROOT/usr/src/linux-headers-$kver/Makefile" ] &&
		[ -x "$(headers_common "$kver")/scripts/checker-valid.sh" ] &&
		[ -s "$KERNELS/$kver/vmlinuz" ] && [ -s "$KERNELS/$kver/modules/modules.dep" ] &&
		[ -s "$KERNELS/$kver/versions" ]
}

# The headers' source tree ($(srctree) of a module build): Debian's
# linux-headers-KVER Makefile includes the -common tree's.
headers_common() {
	local inc
	inc=$(sed -n 's|^include \(/usr/src/[^ ]*\)/Makefile$|\1|p' "$ROOT/usr/src/linux-headers-$1/Makefile" 2>/dev/null)
	echo "$ROOT${inc:-/usr/src/linux-headers-$1}"
}

make_chroot() {
	local mirror tmp start
	command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (tests/deps.sh installs it)"
	mirror=$(apt_mirror | head -n 1 || true)
	[ -n "$mirror" ] || die "no Debian mirror in this machine's apt configuration (/etc/apt/sources.list*)"
	tmp=$ROOT.tmp
	rm -rf "$tmp"
	mkdir -p "$(dirname "$ROOT")"
	start=$(date +%s)
	note "making the sid chroot $ROOT (mmdebstrap minbase + $TOOLS, from the machine's mirror)"
	# The mirror's sid Release file may be past its Valid-Until: the option
	# stays in the chroot's apt configuration for later updates too.
	if ! mmdebstrap --variant=minbase --mode=root --quiet \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		--aptopt='APT::Install-Recommends "false"' \
		--include="$TOOLS" --skip=cleanup/apt/lists \
		sid "$tmp" "deb $mirror sid main" >"$SRC/build/sid-chroot.log" 2>&1; then
		tail -n 20 "$SRC/build/sid-chroot.log" >&2
		rm -rf "$tmp"
		die "mmdebstrap failed (log: build/sid-chroot.log)"
	fi
	rm -rf "$ROOT"
	mv "$tmp" "$ROOT"
	date -u +%FT%TZ >"$ROOT/.cowwatch-chroot"
	note "chroot made in $(($(date +%s) - start)) s"
}

# newest_kver: the newest 7.2 amd64 kernel sid offers, e.g. 7.2.13+deb14-amd64.
newest_kver() {
	in_chroot apt-cache pkgnames "linux-image-$SERIES." |
		sed -n "s/^linux-image-\\($SERIES\\.[0-9][0-9]*+deb[0-9][0-9]*-amd64\\)\$/\\1/p" |
		sort -V | tail -n 1
}

pkg_version() { # pkg_version PACKAGE: the candidate version in the chroot's lists
	in_chroot apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1
}

unpack_kernel() { # unpack_kernel KVER VERSIONS-TEXT
	local kver=$1 versions=$2 dir=$KERNELS/$1 tmp dl base deb
	tmp=$KERNELS/.$kver.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp/x" "$ROOT/tmp/cowwatch-dl"
	dl=$ROOT/tmp/cowwatch-dl
	rm -f "$dl"/*.deb
	chmod 0777 "$dl"	# apt-get download runs as _apt
	note "downloading linux-binary, linux-modules and linux-base of $kver"
	(cd "$dl" && in_chroot sh -c "cd /tmp/cowwatch-dl && apt-get ${APT_OPTS[*]} download \
		linux-binary-$kver linux-modules-$kver linux-base-$kver" >/dev/null) ||
		die "apt-get download of the $kver packages failed"
	for deb in "$dl"/*.deb; do dpkg-deb -x "$deb" "$tmp/x"; done
	rm -f "$dl"/*.deb
	[ -s "$tmp/x/usr/lib/modules/$kver/vmlinuz" ] || die "no usr/lib/modules/$kver/vmlinuz in linux-binary-$kver"
	mv "$tmp/x/usr/lib/modules/$kver" "$tmp/modules"
	mv "$tmp/modules/vmlinuz" "$tmp/vmlinuz"
	rm -rf "$tmp/x"
	# What the headers package puts into /lib/modules/KVER, so that the tree
	# bound there in the chroot still leads Kbuild and DKMS to the headers.
	for l in build source; do
		[ -L "$ROOT/usr/lib/modules/$kver/$l" ] &&
			ln -s "$(readlink "$ROOT/usr/lib/modules/$kver/$l")" "$tmp/modules/$l"
	done
	# The package has no modules.dep: depmod -b wants BASE/lib/modules/KVER.
	base=$tmp/depmod-base
	mkdir -p "$base/lib/modules"
	ln -s "$tmp/modules" "$base/lib/modules/$kver"
	depmod -b "$base" "$kver" || die "depmod -b for $kver failed"
	rm -rf "$base"
	echo "$versions" >"$tmp/versions"
	rm -rf "$dir"
	mv "$tmp" "$dir"
}

prepare() {
	local cached=0 kver old versions want h start
	[ "${1-}" = --cached ] && cached=1
	[ "$(id -u)" = 0 ] || die "preparing the sid chroot needs root (mmdebstrap, chroot)"
	mkdir -p "$SRC/build"
	exec 8>"$SRC/build/.sid-kernel.lock"
	flock -w 1800 8 || die "another sid-kernel.sh prepare holds build/.sid-kernel.lock"
	old=$(cached_kver || true)
	if [ "$cached" = 1 ] && [ -n "$old" ] && complete "$old"; then
		return 0
	fi
	start=$(date +%s)
	[ -e "$ROOT/.cowwatch-chroot" ] || make_chroot
	if ! in_chroot apt-get "${APT_OPTS[@]}" update >"$SRC/build/sid-update.log" 2>&1; then
		if [ -n "$old" ] && complete "$old"; then
			note "cannot reach the mirror's sid (build/sid-update.log): using the cached $old, not checked for a newer upload"
			return 0
		fi
		tail -n 5 "$SRC/build/sid-update.log" >&2
		die "apt-get update in the sid chroot failed, and no 7.2 kernel is cached"
	fi
	kver=$(newest_kver)
	[ -n "$kver" ] || die "the mirror's sid offers no $SERIES kernel (no linux-image-$SERIES.*-amd64): kernel $SERIES cannot be tested"
	versions=''
	for p in linux-binary-$kver linux-modules-$kver linux-base-$kver linux-headers-$kver; do
		v=$(pkg_version "$p")
		[ -n "$v" ] || die "sid offers linux-image-$kver but not $p: refusing an incomplete upload"
		versions+="$p $v"$'\n'
	done
	versions=${versions%$'\n'}
	if [ -n "$old" ] && [ "$old" != "$kver" ]; then
		note "sid now offers $kver (cached: $old): replacing it"
	fi
	# The headers (and their gcc, linux-kbuild) in the chroot.
	want=$(pkg_version "linux-headers-$kver")
	h=$(in_chroot dpkg-query -W -f='${Status} ${Version}' "linux-headers-$kver" 2>/dev/null || true)
	if [ "$h" != "install ok installed $want" ]; then
		note "installing linux-headers-$kver $want in the chroot"
		in_chroot apt-get "${APT_OPTS[@]}" install -y "linux-headers-$kver" >"$SRC/build/sid-headers.log" 2>&1 || {
			tail -n 20 "$SRC/build/sid-headers.log" >&2
			die "installing linux-headers-$kver in the chroot failed (log: build/sid-headers.log)"
		}
		in_chroot apt-get clean
	fi
	if [ -n "$old" ] && [ "$old" != "$kver" ]; then
		in_chroot apt-get "${APT_OPTS[@]}" purge -y "linux-headers-$old" >/dev/null 2>&1 || true
		rm -rf "${KERNELS:?}/$old"
	fi
	# Debian's headers lack scripts/checker-valid.sh, which 7.2's Makefile
	# runs for C=1: without it sparse is silently switched off.
	install -m 0755 "$SRC/tests/lib/checker-valid.sh" "$(headers_common "$kver")/scripts/checker-valid.sh"
	if [ "$(cat "$KERNELS/$kver/versions" 2>/dev/null)" != "$versions" ] ||
		! complete "$kver"; then
		unpack_kernel "$kver" "$versions"
	fi
	mkdir -p "$KERNELS"
	echo "$kver" >"$KVER_FILE"
	complete "$kver" || die "the $kver cache is incomplete after preparing it"
	note "$kver ready ($(($(date +%s) - start)) s; $(du -sm "$ROOT" | cut -f1) MB chroot, $(du -sm "$KERNELS/$kver" | cut -f1) MB kernel)"
}

run() {
	local kver
	[ $# -gt 0 ] || die "run: no command"
	kver=$(cached_kver) && complete "$kver" || die "kernel $SERIES is not prepared: make kernels"
	case "$PWD/" in
	"$SRC"/*) ;;
	*) die "run: the working directory must lie in $SRC (the chroot sees only that tree)" ;;
	esac
	exec unshare -m --propagation private -- "$0" __run "$kver" "$PWD" "$@"
}

run_inner() { # in the new mount namespace
	local kver=$1 cwd=$2
	shift 2
	mount -t proc proc "$ROOT/proc"
	mkdir -p "$ROOT$SRC"
	mount --bind "$SRC" "$ROOT$SRC"
	mkdir -p "$ROOT/usr/lib/modules/$kver"
	mount --bind "$KERNELS/$kver/modules" "$ROOT/usr/lib/modules/$kver"
	exec chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 sh -c 'cd "$1" && shift && exec "$@"' _ "$cwd" "$@"
}

case "${1-}" in
prepare) shift; prepare "$@" ;;
run) shift; run "$@" ;;
__run) shift; run_inner "$@" ;;
kver) cached_kver || die "kernel $SERIES is not prepared: make kernels" ;;
*) echo "usage: sid-kernel.sh prepare [--cached] | run CMD... | kver" >&2; exit 2 ;;
esac
