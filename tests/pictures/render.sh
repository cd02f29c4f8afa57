#!/bin/bash
# render.sh RECORDING PNG [TITLE]: the flame graph of a recording (cowwatch
# --json --events -o RECORDING) as PNG: `cowwatch report --folded` makes
# the folded stacks, speedscope (from the npm registry) draws them in
# Debian's headless Chromium (apt install chromium), driven by
# playwright-core (npm), in its left-heavy view. The npm packages are
# installed once into build/pictures. Not part of make check (it needs the
# npm registry); README's flame graph was made with it.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 2 ] || { echo "usage: tests/pictures/render.sh RECORDING PNG [TITLE]" >&2; exit 2; }
rec=$1 png=$2 title=${3:-cowwatch: pages copied, by process, region and code}
dir=$src/build/pictures
[ -x /usr/bin/chromium ] || { echo "render: no /usr/bin/chromium (apt install chromium)" >&2; exit 1; }
if [ ! -d "$dir/node_modules/speedscope" ] || [ ! -d "$dir/node_modules/playwright-core" ]; then
	mkdir -p "$dir"
	(cd "$dir" && { [ -e package.json ] || npm init -y >/dev/null; } &&
		npm install --no-audit --no-fund speedscope@1.25.0 playwright-core@1 >/dev/null)
fi
"$src/user/cowwatch" report --folded "$dir/profile.folded" -o /dev/null "$rec"
NODE_PATH=$dir/node_modules node "$src/tests/pictures/render.js" "$dir" "$dir/profile.folded" "$png" "$title"
echo "render: $png ($(wc -l <"$dir/profile.folded") stacks)"
