#!/bin/bash
# What `make demo` shows inside the guest. For now the module's life cycle on
# a real Debian kernel; the CoW story of a forking Python server comes with
# the kernel module and reader issues.
# guest-timeout: 90
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
echo "guest kernel: $(uname -r)"
echo "module file:  ${COWWATCH_KO#"$COWWATCH_SRC"/}"
modinfo "$COWWATCH_KO" | grep -E '^(version|license|description|vermagic):'
echo
echo "# insmod cowwatch.ko"
dmesg -C
load_module
dmesg | sed -n 's/^\[[ 0-9.]*\] /kernel: /p' | grep cowwatch
grep '^cowwatch ' /proc/modules | awk '{print "loaded: " $1 ", " $2 " bytes, state " $5}'
echo
echo "# cowwatch --version"
"$COWWATCH_BIN" --version
echo
echo "# rmmod cowwatch"
unload_module
dmesg | sed -n 's/^\[[ 0-9.]*\] /kernel: /p' | grep 'cowwatch: unloaded'
