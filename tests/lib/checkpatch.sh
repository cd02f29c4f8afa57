#!/bin/bash
# checkpatch.sh FILE...: runs the kernel's checkpatch.pl --strict on FILEs.
# checkpatch ships in Debian's linux-source package; the three files it needs
# are taken from the tarball once and kept in build/checkpatch.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
dir=$src/build/checkpatch
if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	[ -n "$tarball" ] || { echo "checkpatch: no /usr/src/linux-source-*.tar.xz (tests/deps.sh installs it)" >&2; exit 1; }
	top=$(basename "$tarball" .tar.xz)
	rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
	tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
exec perl "$dir/scripts/checkpatch.pl" --strict --no-tree --terse --show-types -f "$@"
