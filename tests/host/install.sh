#!/bin/bash
# make install / make uninstall into a DESTDIR, with the default PREFIX
# (/usr/local) and another one: install puts exactly the reader (mode 755)
# in PREFIX/sbin and its man page (mode 644, the file of man/) in
# PREFIX/share/man/man8, nothing else; the installed cowwatch prints the
# one version; man finds and renders the installed page. uninstall removes
# exactly those files, and the directories under DESTDIR left empty, so
# DESTDIR ends empty; a file of someone else's in the same directory stays,
# and so does its directory.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
cd "$SRC" || exit 1
bad=0
ok() { echo "ok: $*"; }
notok() { echo "not ok: $*"; bad=1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cowwatch-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
version=$(make -s --no-print-directory version)
[ -n "$version" ] || { notok "no version (make -s version)"; exit 1; }

for prefix in "" /opt/cw; do
	p=${prefix:-/usr/local}
	dest=$tmp/dest${prefix//\//_}
	mkdir -p "$dest"
	what="[PREFIX=${prefix:-default}]"
	if ! out=$(make --no-print-directory install DESTDIR="$dest" ${prefix:+PREFIX="$prefix"} 2>&1); then
		notok "$what make install"
		sed 's/^/    | /' <<<"$out"
		continue
	fi
	files=$(cd "$dest" && find . ! -type d -printf '%M %p\n' | sort)
	want="-rw-r--r-- .$p/share/man/man8/cowwatch.8
-rwxr-xr-x .$p/sbin/cowwatch"
	[ "$files" = "$want" ] && ok "$what installed exactly: $(tr '\n' ' ' <<<"$files")" ||
		notok "$what installed files: $(tr '\n' ' ' <<<"$files") (want: $(tr '\n' ' ' <<<"$want"))"
	dirs=$(cd "$dest" && find . -mindepth 1 -type d ! -perm 755 -printf '%M %p\n')
	[ -z "$dirs" ] && ok "$what directories are mode 755" || notok "$what directories: $dirs"
	cmp -s man/cowwatch.8 "$dest$p/share/man/man8/cowwatch.8" && ok "$what the man page is man/cowwatch.8" ||
		notok "$what the installed man page differs from man/cowwatch.8"

	v=$("$dest$p/sbin/cowwatch" --version)
	case "$v" in
	"cowwatch $version "*) ok "$what installed cowwatch --version: $v" ;;
	*) notok "$what installed cowwatch --version says '$v', not $version" ;;
	esac
	page=$(MANWIDTH=80 man -l "$dest$p/share/man/man8/cowwatch.8" 2>&1 | col -b)
	grep -q '^NAME' <<<"$page" && grep -q 'cowwatch - show which processes break copy-on-write' <<<"$page" &&
		ok "$what man -l renders the installed page" || notok "$what man -l: $(head -5 <<<"$page")"
	page=$(MANPATH=$dest$p/share/man MANWIDTH=80 man 8 cowwatch 2>&1 | col -b)
	grep -q '^EXIT STATUS' <<<"$page" && ok "$what man 8 cowwatch finds it under MANPATH=PREFIX/share/man" ||
		notok "$what man 8 cowwatch with MANPATH=$p/share/man: $(head -3 <<<"$page")"

	# Someone else's file beside ours: uninstall must leave it, and its directory.
	if [ -z "$prefix" ]; then
		echo other >"$dest$p/sbin/other-tool"
	fi
	if ! out=$(make --no-print-directory uninstall DESTDIR="$dest" ${prefix:+PREFIX="$prefix"} 2>&1); then
		notok "$what make uninstall"
		sed 's/^/    | /' <<<"$out"
		continue
	fi
	left=$(cd "$dest" && find . -mindepth 1 | sort | tr '\n' ' ')
	if [ -z "$prefix" ]; then
		[ "$left" = "./usr ./usr/local ./usr/local/sbin ./usr/local/sbin/other-tool " ] &&
			ok "$what uninstall left only the other file and its directories: $left" ||
			notok "$what after uninstall: $left"
	else
		[ -z "$left" ] && ok "$what uninstall left $dest empty" || notok "$what left after uninstall: $left"
	fi
	[ -d "$dest" ] && ok "$what uninstall keeps DESTDIR itself" || notok "$what uninstall removed DESTDIR"
done
exit $bad
