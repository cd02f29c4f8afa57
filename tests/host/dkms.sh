#!/bin/bash
# DKMS with Debian bookworm's dkms 3.0.10, as a user runs it, and always
# with -k (the host runs another kernel than the headers installed):
#  1. `dkms add .` in a checkout (a copy of the tracked files, so that
#     build/ is not copied along): the top-level dkms.conf registers
#     cowwatch/VERSION, VERSION being COWWATCH_RELEASE of the uapi header.
#  2. BUILD_EXCLUSIVE_CONFIG: against a kernel tree whose .config lacks
#     CONFIG_KPROBES (or only CONFIG_KRETPROBES) -- a shadow of the real 6.1
#     headers, symlinks but for an edited .config, given by --kernelsourcedir
#     -- dkms build and dkms install refuse (exit 77, "BUILD_EXCLUSIVE") and
#     build nothing; the same shadow with the real .config builds (control).
#  3. make dkms-uninstall drops the registration but keeps the /usr/src
#     tree that `dkms add .` made (make dkms-install did not make it).
#  4. make dkms-install KVER=... for each supported kernel: dkms add, build
#     and install -k; dkms status says installed; the module is in
#     updates/dkms, carries the header's version and is signed with DKMS's
#     MOK key; in a guest of that kernel modprobe finds it, it loads and
#     passes a smoke test (tests/dkms/guest-modprobe.sh). A second
#     make dkms-install is a no-op.
#     Sid's 7.2 has no headers on the host: its round trip (4 and 5) runs
#     inside the sid chroot (tests/lib/sid-kernel.sh run), with sid's dkms,
#     whose /lib/modules/KVER there is build/kernels/KVER/modules, the
#     tree the 7.2 guest boots with.
#  5. make dkms-uninstall leaves no registration, no module under
#     /lib/modules and no /usr/src/cowwatch-VERSION.
# DKMS state is the machine's (/var/lib/dkms, /usr/src, /lib/modules): runs
# of this test take a lock, and a registration of cowwatch/VERSION found at
# the start (an interrupted run) is removed.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib/kernels.sh"
cd "$SRC" || exit 1

exec 9>/tmp/cowwatch-dkms-test.lock
flock -w 1800 9 || { echo "not ok: another DKMS test holds /tmp/cowwatch-dkms-test.lock"; exit 1; }

name=cowwatch
version=$(make -s --no-print-directory version)
usrsrc=/usr/src/$name-$version
bad=0
ok() { echo "ok: $*"; }
notok() { echo "not ok: $*"; bad=1; }
show() { sed 's/^/    | /' <<<"$1"; }
registered() { [ -n "$(dkms status -m "$name" -v "$version" 2>/dev/null)" ]; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cowwatch-dkms.XXXXXX")

# on SERIES CMD...: CMD where SERIES' DKMS lives (the host, or the sid chroot).
on() {
	local s=$1
	shift
	if kernel_from_sid "$s"; then
		tests/lib/sid-kernel.sh run "$@"
	else
		"$@"
	fi
}
# root_of SERIES: the root of SERIES' DKMS (/usr/src, /var/lib/dkms) as the host sees it.
root_of() {
	if kernel_from_sid "$1"; then echo "$SRC/build/sid-chroot"; else echo ""; fi
}
# modules_of SERIES KVER: SERIES' /lib/modules/KVER as the host sees it.
modules_of() {
	if kernel_from_sid "$1"; then echo "$KERNELS_DIR/$2/modules"; else echo "/lib/modules/$2"; fi
}

cleanup() {
	local s
	dkms remove -m "$name" -v "$version" --all >/dev/null 2>&1
	rm -rf "$usrsrc" "$tmp"
	for s in $SUPPORTED_KERNELS; do
		kernel_from_sid "$s" && kernel_ready "$s" || continue
		on "$s" dkms remove -m "$name" -v "$version" --all >/dev/null 2>&1
		rm -rf "$(root_of "$s")$usrsrc"
	done
}
[ -n "$version" ] || { echo "not ok: no version (make -s version)"; exit 1; }
if registered || [ -e "$usrsrc" ]; then
	echo "note: removing $name/$version left in DKMS by an earlier run"
fi
cleanup
mkdir -p "$tmp"
trap cleanup EXIT

# What the guest half needs: the reader and the smoke test's workload.
make -s -C user >/dev/null && make -s -C tests/workloads >/dev/null ||
	{ notok "building user/cowwatch and tests/workloads"; exit 1; }

# 1. dkms add . in a checkout.
checkout=$tmp/checkout
mkdir -p "$checkout"
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -z | xargs -0 cp --parents -t "$checkout" || { notok "copying the checkout"; exit 1; }
else
	tar -C "$SRC" --exclude=./build -cf - . | tar -C "$checkout" -xf -
fi
if out=$(cd "$checkout" && dkms add . 2>&1); then
	ok "dkms add . (in a checkout)"
else
	notok "dkms add ."
	show "$out"
	exit 1
fi
case "$(dkms status -m "$name" 2>&1)" in
"$name/$version: added") ok "dkms status: $name/$version: added" ;;
*) notok "dkms status after add: '$(dkms status -m "$name" 2>&1)'" ;;
esac
[ -r "$usrsrc/kmod/uapi/cowwatch.h" ] && ok "dkms add copied the tree to $usrsrc" ||
	notok "no $usrsrc/kmod/uapi/cowwatch.h after dkms add ."

# 2. BUILD_EXCLUSIVE_CONFIG refuses a kernel without kprobes.
if kver=$(kernel_release 6.1) && kernel_ready 6.1; then
	real=$(readlink -f "/lib/modules/$kver/build")
	shadow() { # shadow DIR SED-SCRIPT: the real headers but for .config
		mkdir -p "$1"
		find "$real" -mindepth 1 -maxdepth 1 ! -name .config -exec ln -s {} "$1/" \;
		sed "$2" "$real/.config" >"$1/.config"
	}
	grep -q '^CONFIG_KPROBES=y' "$real/.config" && grep -q '^CONFIG_KRETPROBES=y' "$real/.config" ||
		notok "the real $kver config has no kprobes?"
	shadow "$tmp/nokprobes" 's/^CONFIG_KPROBES=y/# CONFIG_KPROBES is not set/; s/^CONFIG_KRETPROBES=y/# CONFIG_KRETPROBES is not set/'
	shadow "$tmp/nokretprobes" 's/^CONFIG_KRETPROBES=y/# CONFIG_KRETPROBES is not set/'
	shadow "$tmp/control" ''
	for k in nokprobes nokretprobes; do
		for step in build install; do
			out=$(dkms "$step" -m "$name" -v "$version" -k "$kver" --kernelsourcedir "$tmp/$k" 2>&1)
			rc=$?
			if [ $rc -eq 77 ] && grep -q BUILD_EXCLUSIVE <<<"$out"; then
				ok "[$k] dkms $step -k $kver refused: exit 77, BUILD_EXCLUSIVE"
			else
				notok "[$k] dkms $step -k $kver: exit $rc, expected 77 (BUILD_EXCLUSIVE)"
				show "$out"
			fi
		done
	done
	case "$(dkms status -m "$name" 2>&1)" in
	"$name/$version: added") ok "nothing was built for the kernels without kprobes" ;;
	*) notok "dkms status after the refusals: '$(dkms status -m "$name" 2>&1)'" ;;
	esac
	if out=$(dkms build -m "$name" -v "$version" -k "$kver" --kernelsourcedir "$tmp/control" 2>&1); then
		ok "[control] the same shadow tree with the real .config builds"
	else
		notok "[control] dkms build with the shadow of the real headers failed"
		show "$out"
	fi
else
	notok "kernel 6.1 not installed: BUILD_EXCLUSIVE_CONFIG untested"
fi

# 3. make dkms-uninstall keeps a source tree it did not make.
if out=$(make -s --no-print-directory dkms-uninstall 2>&1) && ! registered && [ -d "$usrsrc" ]; then
	ok "make dkms-uninstall: registration gone, $usrsrc (made by dkms add .) kept"
else
	notok "make dkms-uninstall after dkms add ."
	show "$out"
fi
rm -rf "$usrsrc"

# 4. make dkms-install for each kernel, then the module in a guest.
for s in $SUPPORTED_KERNELS; do
	kver=$(kernel_release "$s") && kernel_ready "$s" || { notok "kernel $s $(kernel_not_ready_why "$s")"; continue; }
	root=$(root_of "$s")
	if out=$(on "$s" make --no-print-directory dkms-install KVER="$kver" 2>&1); then
		ok "[$s] make dkms-install KVER=$kver${root:+ (in the sid chroot)}"
	else
		notok "[$s] make dkms-install KVER=$kver"
		show "$out"
		continue
	fi
	grep -q "^dkms build -m $name -v $version -k $kver\$" <<<"$out" &&
		grep -q "^dkms install -m $name -v $version -k $kver\$" <<<"$out" &&
		ok "[$s] it ran dkms build and install with -k $kver" ||
		{ notok "[$s] make dkms-install did not run dkms build/install -k $kver"; show "$out"; }
	status=$(on "$s" dkms status -m "$name" -v "$version" -k "$kver" 2>/dev/null)
	case "$status" in
	*"$kver"*": installed"*) ok "[$s] dkms status: $status" ;;
	*) notok "[$s] dkms status says '$status'" ;;
	esac
	ko=$(find "$(modules_of "$s" "$kver")/updates/dkms/" -name "$name.ko*" 2>/dev/null | head -n 1)
	if [ -n "$ko" ]; then
		expect_version=$(modinfo -F version "$ko")
		[ "$expect_version" = "$version" ] && ok "[$s] $ko: version $version" ||
			notok "[$s] $ko: version '$expect_version', not $version"
		signer=$(modinfo -F signer "$ko")
		if [ -r "$root/var/lib/dkms/mok.pub" ] &&
			[ "$signer" = "$(openssl x509 -inform DER -in "$root/var/lib/dkms/mok.pub" -noout -subject -nameopt multiline |
				sed -n 's/^ *commonName *= *//p')" ]; then
			ok "[$s] signed with DKMS's MOK key ($root/var/lib/dkms/mok.pub, signer '$signer')"
		else
			notok "[$s] not signed with $root/var/lib/dkms/mok.pub (signer '$signer')"
		fi
	else
		notok "[$s] no $name.ko under $(modules_of "$s" "$kver")/updates/dkms"
	fi
	if out=$(tests/guest.sh --kernel "$s" --no-build tests/dkms/guest-modprobe.sh 2>&1); then
		ok "[$s] DKMS-installed module in the guest: modprobe, version, smoke test, unload"
	else
		notok "[$s] DKMS-installed module in the guest"
		show "$out"
	fi
	if out=$(on "$s" make --no-print-directory dkms-install KVER="$kver" 2>&1) && grep -q "already installed" <<<"$out"; then
		ok "[$s] make dkms-install again: already installed, nothing done"
	else
		notok "[$s] a second make dkms-install"
		show "$out"
	fi
done

# 5. make dkms-uninstall leaves nothing, on the host and in the sid chroot.
for s in $SUPPORTED_KERNELS; do
	kernel_from_sid "$s" || continue
	kver=$(kernel_release "$s") && kernel_ready "$s" || continue
	root=$(root_of "$s")
	if ! out=$(on "$s" make --no-print-directory dkms-uninstall 2>&1); then
		notok "[$s] make dkms-uninstall failed (in the sid chroot)"
		show "$out"
	fi
	grep -q -- "^dkms remove -m $name -v $version --all\$" <<<"$out" ||
		notok "[$s] make dkms-uninstall did not run dkms remove --all (in the sid chroot)"
	left=$(find "$(modules_of "$s" "$kver")/" -path '*/updates/dkms/*' -name "$name.ko*" 2>/dev/null)
	if [ -z "$left" ] && [ -z "$(on "$s" dkms status -m "$name" 2>/dev/null)" ] && [ ! -e "$root$usrsrc" ]; then
		ok "[$s] make dkms-uninstall (in the sid chroot) leaves no module, no registration and no $usrsrc"
	else
		notok "[$s] left behind after make dkms-uninstall in the sid chroot: $left $(ls -d "$root$usrsrc" 2>/dev/null)"
	fi
done
# 5. make dkms-uninstall leaves nothing.
if ! out=$(make --no-print-directory dkms-uninstall 2>&1); then
	notok "make dkms-uninstall failed"
	show "$out"
fi
grep -q -- "^dkms remove -m $name -v $version --all\$" <<<"$out" || notok "make dkms-uninstall did not run dkms remove --all"
left=$(find /lib/modules -path '*/updates/dkms/*' -name "$name.ko*" 2>/dev/null)
if [ -z "$left" ] && [ -z "$(dkms status -m "$name" 2>/dev/null)" ] && [ ! -e "$usrsrc" ]; then
	ok "make dkms-uninstall leaves no module, no registration and no $usrsrc"
else
	notok "left behind after make dkms-uninstall: $left $(dkms status -m "$name") $(ls -d "$usrsrc" 2>/dev/null)"
fi
exit $bad
