#!/bin/bash
# One release string everywhere: the uapi header (module and reader), and
# dkms.conf, which DKMS reads without compiling anything.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
release=$(sed -n 's/^#define COWWATCH_RELEASE[[:space:]]*"\(.*\)"/\1/p' "$SRC/kmod/uapi/cowwatch.h")
dkms=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$SRC/dkms.conf")
[ -n "$release" ] || { echo "not ok: no COWWATCH_RELEASE in kmod/uapi/cowwatch.h"; exit 1; }
if [ "$dkms" = "$release" ]; then
	echo "ok: dkms.conf PACKAGE_VERSION = uapi COWWATCH_RELEASE = $release"
else
	echo "not ok: dkms.conf says '$dkms', kmod/uapi/cowwatch.h says '$release'"
	exit 1
fi
