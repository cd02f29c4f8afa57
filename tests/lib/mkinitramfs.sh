#!/bin/bash
# mkinitramfs.sh KVER OUTPUT [MODULES]: builds the test guest's initramfs for
# KVER: busybox, tests/lib/guest-init as /init, and the modules that bring
# up virtio 9p (decompressed, in load order), taken from MODULES, KVER's
# /lib/modules/KVER tree (default: build/kernels/KVER/modules, see
# tests/lib/kernels.sh). What is built into the kernel (7.2 builds virtio
# in) is left out: modprobe says "builtin" for it.
set -euo pipefail
kver=$1 output=$2
here=$(cd "$(dirname "$0")" && pwd)
modules=$(realpath -e "${3:-$here/../../build/kernels/$kver/modules}")

root=$(mktemp -d)
# mktemp makes it 0700: as the guest's "/", that would lock out every user but root.
chmod 0755 "$root"
base=$(mktemp -d)
trap 'rm -rf "$root" "$base"' EXIT
# modprobe -d BASE reads BASE/lib/modules/KVER.
mkdir -p "$base/lib/modules"
ln -s "$modules" "$base/lib/modules/$kver"
mkdir -p "$root"/{.bb/modules,proc,sys,dev,tmp,run,var,root,host,results,usr,etc,mnt}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
cp /bin/busybox "$root/.bb/busybox"
install -m 0755 "$here/guest-init" "$root/init"

: >"$root/.bb/modules/order"
for mod in virtio_pci 9pnet_virtio 9p; do
	modprobe -d "$base" -S "$kver" --show-depends "$mod" | while read -r kind path _; do
		[ "$kind" = insmod ] || continue
		name=$(basename "$path")
		name=${name%.xz}
		name=${name%.zst}
		grep -qx "$name" "$root/.bb/modules/order" && continue
		case "$path" in
		*.xz) xz -dc "$path" >"$root/.bb/modules/$name" ;;
		*.zst) zstd -qdc "$path" >"$root/.bb/modules/$name" ;;
		*) cp "$path" "$root/.bb/modules/$name" ;;
		esac
		echo "$name" >>"$root/.bb/modules/order"
	done
done

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$output.tmp"
mv "$output.tmp" "$output"
