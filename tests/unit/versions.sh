#!/bin/bash
# One version, written once: COWWATCH_RELEASE in kmod/uapi/cowwatch.h. The
# module (MODULE_VERSION) and the reader (--version) compile it in; the
# Makefile (make -s version) and dkms.conf read it from the header. This
# checks that every one of them yields the header's version, dkms.conf
# sourced the way dkms 3.0.10 sources it (a subshell, from another working
# directory, through the /var/lib/dkms/NAME/VER/source symlink as well),
# and that no other tracked file writes the version out.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
bad=0
ok() { echo "ok: $*"; }
notok() { echo "not ok: $*"; bad=1; }

header=$SRC/kmod/uapi/cowwatch.h
[ "$(grep -c '^#define COWWATCH_RELEASE' "$header")" = 1 ] || notok "not exactly one COWWATCH_RELEASE in the header"
release=$(sed -n 's/^#define COWWATCH_RELEASE[[:space:]]*"\(.*\)"$/\1/p' "$header")
if [[ $release =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
	ok "kmod/uapi/cowwatch.h: COWWATCH_RELEASE = $release"
else
	notok "COWWATCH_RELEASE '$release' is not X.Y.Z"
	exit 1
fi

# dkms.conf, sourced like dkms's safe_source() does it: `. FILE` in a
# subshell, with the variables dkms.conf may use set, from elsewhere.
dkms_conf() { # dkms_conf PATH-TO-dkms.conf: prints PACKAGE_VERSION and MAKE[0]
	(cd / && kernel_source_dir=/lib/modules/KVER/build dkms_tree=/var/lib/dkms bash -c \
		'. "$1" >/dev/null; echo "$PACKAGE_NAME $PACKAGE_VERSION"; echo "${MAKE[0]}"' _ "$1")
}
out=$(dkms_conf "$SRC/dkms.conf")
if [ "$(head -n 1 <<<"$out")" = "cowwatch $release" ]; then
	ok "dkms.conf sourced from / yields PACKAGE_VERSION $release"
else
	notok "dkms.conf yields '$(head -n 1 <<<"$out")', not 'cowwatch $release'"
fi
case "$(tail -n 1 <<<"$out")" in
*"M=/var/lib/dkms/cowwatch/$release/build modules") ok "dkms.conf MAKE[0] builds in /var/lib/dkms/cowwatch/$release/build" ;;
*) notok "dkms.conf MAKE[0] is '$(tail -n 1 <<<"$out")'" ;;
esac
# A copy of the tree reached through a symlink, as DKMS reads it later.
tmp=$(mktemp -d /tmp/pkg-versions.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/usr-src/cowwatch/kmod/uapi" "$tmp/var-lib-dkms"
cp "$SRC/dkms.conf" "$tmp/usr-src/cowwatch/"
cp "$header" "$tmp/usr-src/cowwatch/kmod/uapi/"
ln -s "$tmp/usr-src/cowwatch" "$tmp/var-lib-dkms/source"
out=$(dkms_conf "$tmp/var-lib-dkms/source/dkms.conf")
[ "$(head -n 1 <<<"$out")" = "cowwatch $release" ] &&
	ok "dkms.conf through a source symlink yields $release" ||
	notok "dkms.conf through a source symlink yields '$(head -n 1 <<<"$out")'"
# Without the header beside it there is no version, and DKMS says so,
# rather than registering a wrong one.
rm "$tmp/usr-src/cowwatch/kmod/uapi/cowwatch.h"
out=$(dkms_conf "$tmp/var-lib-dkms/source/dkms.conf" 2>&1)
[ "$(head -n 1 <<<"$out")" = "cowwatch " ] && ok "dkms.conf without the header: empty PACKAGE_VERSION" ||
	notok "dkms.conf without the header yields '$(head -n 1 <<<"$out")'"

v=$(make -s -C "$SRC" --no-print-directory version)
[ "$v" = "$release" ] && ok "make -s version = $release" || notok "make -s version says '$v'"

grep -q '^MODULE_VERSION(COWWATCH_RELEASE);' "$SRC/kmod/main.c" &&
	ok "kmod/main.c: MODULE_VERSION(COWWATCH_RELEASE)" || notok "the module does not take COWWATCH_RELEASE as its version"
grep -q 'COWWATCH_RELEASE' "$SRC/user/options.c" &&
	ok "user/options.c prints COWWATCH_RELEASE" || notok "the reader does not print COWWATCH_RELEASE"
if [ -x "$SRC/user/cowwatch" ]; then
	case "$("$SRC/user/cowwatch" --version)" in
	"cowwatch $release "*) ok "user/cowwatch --version says $release" ;;
	*) notok "user/cowwatch --version says '$("$SRC/user/cowwatch" --version)'" ;;
	esac
fi

# Nothing else writes the version: a second copy would drift.
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
	others=$(git -C "$SRC" grep -lF "\"$release\"" -- . ':!kmod/uapi/cowwatch.h'
		git -C "$SRC" grep -lE "(VERSION|version)[=:] *\"?${release//./\\.}\"?\$" -- . ':!kmod/uapi/cowwatch.h')
	if [ -z "$others" ]; then
		ok "no other tracked file writes \"$release\" out"
	else
		notok "the version is written out in: $(sort -u <<<"$others" | tr '\n' ' ')"
	fi
fi
exit $bad
