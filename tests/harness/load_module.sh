#!/bin/bash
# Harness self-test, run in the guest: loads whichever module build
# --module-dir named and unloads it. Passes with the normal module; with the
# WARN_ON(1) variant the harness must fail it.
# guest-timeout: 60
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
load_module
unload_module
