#!/bin/bash
# deps.sh [--debug]: installs, from the machine's configured Debian mirror,
# every package that building and testing cowwatch needs; with --debug also
# what building the debug kernel of make check-debug needs.
# Idempotent, and quick when all is there:
# apt is only asked when something is missing.
set -euo pipefail

PACKAGES=(
	# build: module and reader
	gcc make pkg-config libc6-dev libmnl-dev libdw-dev libelf-dev libjson-c-dev pahole
	# the supported kernels (images to boot, headers to build against)
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	# sid's 7.2: the chroot its module is built in (tests/lib/sid-kernel.sh)
	mmdebstrap
	# guest harness
	qemu-system-x86 busybox-static cpio kmod xz-utils python3 procps
	# reader unit tests: valgrind; the decoder's fuzzer: clang's libFuzzer
	valgrind clang libclang-rt-14-dev
	# kernel code checks: sparse; checkpatch.pl ships in linux-source
	sparse linux-source-6.12
	# man page checks (tests/unit/manpage.sh): groff comes with man-db
	mandoc
	# DKMS installs (tested by tests/host/dkms.sh)
	dkms
	# real workloads: CPython's detached debug symbols (python3.11-dbg ships
	# those of the release interpreter too: CPython's static functions get
	# names), and Redis for its own copy-on-write accounting
	python3.11-dbg redis-server
	# make bench: the tools cowwatch is compared with, and GNU time
	bpftrace linux-perf time
)
# make check-debug: building Debian's 6.12 source (tests/debug/build-kernel.sh)
if [ "${1-}" = --debug ]; then PACKAGES+=(flex bison bc libssl-dev); fi

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Third-party sources that cannot be reached only warn here; a package that
# really cannot be had makes the install below fail.
apt-get update -q >/dev/null || echo "deps: apt-get update reported errors; trying the install anyway" >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
