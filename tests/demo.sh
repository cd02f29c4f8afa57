#!/bin/bash
# demo.sh: boots the Debian 6.1 kernel in qemu and shows cowwatch at work.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
echo "Booting Debian's 6.1 kernel under qemu (software emulation; about a minute)..."
exec "$SRC/tests/guest.sh" --kernel 6.1 --follow-output "$SRC/tests/demo/guest-demo.sh"
