#!/bin/sh -eu
# SPDX-License-Identifier: GPL-2.0
# scripts/checker-valid.sh of Linux 7.2 (linux-source-7.2), verbatim below
# this comment. Debian's linux-headers packages lack it, yet 7.2's Makefile
# runs it for C=1 and quietly turns sparse off when it is missing:
# tests/lib/sid-kernel.sh installs this copy into the chroot's headers.

[ ! -x "$(command -v "$1")" ] && exit 1

tmp_file=$(mktemp)
trap "rm -f $tmp_file" EXIT

cat << EOF >$tmp_file
static inline int u(const int *q)
{
	__typeof_unqual__(*q) v = *q;
	return v;
}
EOF

# sparse happily exits with 0 on error so validate
# there is none on stderr. Use awk as grep is a pain with sh -e
$@ $tmp_file 2>&1 | awk -v c=1 '/error/{c=0}END{print c}'
