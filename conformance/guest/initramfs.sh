#!/usr/bin/env bash
# Packs a busybox initramfs for a guest of the kernel kernel.sh extracted:
# busybox-static, INIT as /init, the listed modules (decompressed, since
# busybox insmod cannot load .ko.xz; /lib/modules/order gives their load
# order by base name) and extra files.
#
#   initramfs.sh KDIR KREL OUT.cpio.gz INIT "MODULE..." [SOURCE=/DEST...]
#
# MODULE is a path under lib/modules/KREL/kernel without the suffix, e.g.
# drivers/vfio/vfio. Needs: busybox-static, xz, cpio, gzip.
set -euo pipefail
kdir=${1:?} krel=${2:?} out=${3:?} init=${4:?} modules=${5?}
shift 5

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,lib/modules}
cp "$(command -v busybox)" "$root/bin/busybox"
install -m 755 "$init" "$root/init"
for extra in "$@"; do
	install -m 755 "${extra%%=*}" "$root/${extra#*=}"
done
mods=$kdir/lib/modules/$krel/kernel
: >"$root/lib/modules/order"
for m in $modules; do
	b=$(basename "$m")
	if [[ -e $mods/$m.ko.xz ]]; then
		xz -dc "$mods/$m.ko.xz" >"$root/lib/modules/$b.ko"
	else
		cp "$mods/$m.ko" "$root/lib/modules/$b.ko"
	fi
	echo "$b" >>"$root/lib/modules/order"
done
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
