#!/bin/bash
# build-kernel.sh: the debug guest kernel of `make check-debug`.
#
# Builds Debian's linux-source-6.12 (the source of bookworm's 6.12 kernel,
# with Debian's patches) with the kernel's own checkers on, everything the
# tests need built in (no modules but cowwatch's), in a config small enough
# for 2 cores: x86_64_defconfig, kvm_guest.config, then the options below.
# The result is cached under build/debug/ and used as a kernel like the
# others (tests/lib/kernels.sh, series "6.12-debug"):
#   build/debug/obj/                the build tree (KDIR for the module)
#   build/kernels/KVER/vmlinuz      its bzImage
#   build/kernels/KVER/modules/     an empty modules tree (modules.dep, build)
#   build/kernels/6.12-debug.kver   KVER
# A second run with the same source and this script unchanged does nothing.
# Fails if the source is missing (tests/deps.sh --debug installs it) or if
# the config lost an option the tests need (olddefconfig drops an option
# whose dependencies are not met, silently).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tarball=/usr/src/linux-source-6.12.tar.xz
dir=$top/build/debug
src=$dir/linux-source-6.12
obj=$dir/obj
localversion=-cwdebug
jobs=${JOBS:-$(nproc)}

[ -r "$tarball" ] || { echo "build-kernel: no $tarball (apt install linux-source-6.12, or tests/deps.sh --debug)" >&2; exit 1; }

# What the guests and the tests need: kprobes on ftrace sites as Debian
# has them, 9p over virtio (the harness), the memory features the tests
# exercise, the pieces the module reads (memcg's mm->owner, THP), zram for
# the soak's swap, KCOV for coverage of the module only (KCOV_INSTRUMENT_ALL
# off: the kernel itself is not instrumented, the module is when built with
# KCOV_INSTRUMENT=y).
need_y="MODULES MODULE_UNLOAD KPROBES KRETPROBES KALLSYMS KALLSYMS_ALL
FTRACE FUNCTION_TRACER DYNAMIC_FTRACE KPROBES_ON_FTRACE KPROBE_EVENTS
DEBUG_FS VIRTIO VIRTIO_PCI NET_9P NET_9P_VIRTIO 9P_FS 9P_FS_POSIX_ACL
DEVTMPFS TMPFS TMPFS_POSIX_ACL BLK_DEV_INITRD RD_GZIP SERIAL_8250_CONSOLE
CGROUPS MEMCG TRANSPARENT_HUGEPAGE HUGETLBFS HUGETLB_PAGE KSM USERFAULTFD
ANON_VMA_NAME PROC_PAGE_MONITOR MEM_SOFT_DIRTY CHECKPOINT_RESTORE NUMA
SWAP ZSMALLOC ZRAM BLK_DEV_LOOP UNIX INET SYSVIPC POSIX_MQUEUE
KCOV
KASAN KASAN_GENERIC KASAN_INLINE KASAN_VMALLOC
DEBUG_KMEMLEAK
PROVE_LOCKING PROVE_RCU DEBUG_ATOMIC_SLEEP DEBUG_LIST DEBUG_SG
DEBUG_OBJECTS DEBUG_OBJECTS_FREE DEBUG_OBJECTS_TIMERS DEBUG_OBJECTS_WORK
DEBUG_OBJECTS_RCU_HEAD
UBSAN UBSAN_BOUNDS UBSAN_SHIFT UBSAN_BOOL UBSAN_ENUM
KFENCE DEBUG_VM DEBUG_VM_PGFLAGS"
need_n="MODULE_SIG KCOV_INSTRUMENT_ALL UBSAN_ALIGNMENT DEBUG_KMEMLEAK_DEFAULT_OFF
DEBUG_INFO_BTF WERROR"
# Big enough for a boot and a test run under KASAN; debuginfo off (build
# time): reports are symbolized from kallsyms.
need_val="DEBUG_KMEMLEAK_MEM_POOL_SIZE=40000 LOCALVERSION=\"$localversion\""

stamp_want=$(sha256sum "$0" "$tarball" | sha256sum | cut -c1-16)
if [ -e "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$stamp_want" ] && [ -s "$top/build/kernels/6.12-debug.kver" ]; then
	echo "build-kernel: $(cat "$top/build/kernels/6.12-debug.kver") is built (build/debug)"
	exit 0
fi

mkdir -p "$dir"
rm -f "$dir/stamp"
if [ ! -e "$src/Makefile" ]; then
	echo "build-kernel: unpacking $tarball"
	rm -rf "$src"
	tar -C "$dir" -xJf "$tarball"
fi
mkdir -p "$obj"
make -s -C "$src" O="$obj" x86_64_defconfig
make -s -C "$src" O="$obj" kvm_guest.config
args=()
for o in $need_y; do args+=(-e "$o"); done
for o in $need_n; do args+=(-d "$o"); done
for kv in $need_val; do
	k=${kv%%=*} v=${kv#*=}
	case "$v" in
	\"*) v=${v#\"}; args+=(--set-str "$k" "${v%\"}") ;;
	*) args+=(--set-val "$k" "$v") ;;
	esac
done
args+=(-d LOCALVERSION_AUTO -d DEBUG_INFO -e DEBUG_INFO_NONE -d DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT)
"$src/scripts/config" --file "$obj/.config" "${args[@]}"
make -s -C "$src" O="$obj" olddefconfig
missing=''
for o in $need_y; do grep -qx "CONFIG_$o=y" "$obj/.config" || missing+=" $o"; done
for o in $need_n; do grep -q "^CONFIG_$o=" "$obj/.config" && missing+=" !$o"; done
[ -z "$missing" ] || { echo "build-kernel: the config lost:$missing (their dependencies are not met)" >&2; exit 1; }

echo "build-kernel: building in $obj with $jobs jobs (log: $dir/build.log)"
start=$(date +%s)
if ! make -C "$src" O="$obj" -j"$jobs" bzImage modules >"$dir/build.log" 2>&1; then
	tail -40 "$dir/build.log" >&2
	exit 1
fi
kver=$(make -s -C "$src" O="$obj" kernelrelease)
mods=$top/build/kernels/$kver/modules
rm -rf "$top/build/kernels/$kver"
mkdir -p "$mods"
make -s -C "$src" O="$obj" INSTALL_MOD_PATH="$dir/modroot" modules_install >>"$dir/build.log" 2>&1
rm -rf "$mods"
cp -a "$dir/modroot/lib/modules/$kver" "$mods"
rm -rf "$dir/modroot"
ln -sfn "$obj" "$mods/build"
cp "$obj/arch/x86/boot/bzImage" "$top/build/kernels/$kver/vmlinuz"
echo "$kver" >"$top/build/kernels/6.12-debug.kver"
echo "$stamp_want" >"$dir/stamp"
echo "build-kernel: $kver built in $(( $(date +%s) - start )) s"
