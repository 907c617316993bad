#!/usr/bin/env bash
# Builds the conformance guest: the pinned stock Debian 6.12 kernel and an
# initramfs with busybox-static, the VFIO modules, init and the static suite.
#
#   build.sh SUITE OUTDIR
#
# Downloads and the extracted kernel are cached under
# ${XDG_CACHE_HOME:-~/.cache}/softvfio/conformance. Prints the paths of the
# kernel and the initramfs (KERNEL=..., INITRD=...).
# Needs: apt-get (bookworm-security in the sources), dpkg-deb, xz, cpio,
# gzip, busybox-static.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=${1:?usage: build.sh SUITE OUTDIR}
out=${2:?usage: build.sh SUITE OUTDIR}

# Pinned: older point releases drop out of the archive, so bump it together
# with the allow-list when the archive moves on.
kabi=${SOFTVFIO_CONF_KABI:-6.12.117+deb12}
flavour=cloud-amd64
krel=$kabi-$flavour
pkg=linux-image-$krel-unsigned
cache=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/softvfio/conformance

mkdir -p "$cache/debs" "$out"
if ! compgen -G "$cache/debs/${pkg}_*.deb" >/dev/null; then
	echo "conformance: downloading $pkg" >&2
	(cd "$cache/debs" && apt-get download "$pkg" 2>&1 | grep -v "unsandboxed" >&2 || true)
	compgen -G "$cache/debs/${pkg}_*.deb" >/dev/null || {
		echo "conformance: cannot download $pkg (is bookworm-security in the apt sources?)" >&2
		exit 1
	}
fi
kdir=$cache/k-$krel
if [[ ! -e $kdir/boot/vmlinuz-$krel ]]; then
	rm -rf "$kdir.tmp"
	dpkg-deb -x "$cache"/debs/"${pkg}"_*.deb "$kdir.tmp"
	rm -rf "$kdir"
	mv "$kdir.tmp" "$kdir"
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,lib/modules}
cp "$(command -v busybox)" "$root/bin/busybox"
install -m 755 "$here/init" "$root/init"
install -m 755 "$suite" "$root/conformance-suite"
mods=$kdir/lib/modules/$krel/kernel
: >"$root/lib/modules/order"
# Load order. vfio_virqfd is built into vfio since 6.2. Busybox insmod cannot
# load .ko.xz, so decompress (the appended signature stays valid).
for m in drivers/vfio/vfio drivers/vfio/vfio_iommu_type1 virt/lib/irqbypass \
	drivers/vfio/pci/vfio-pci-core drivers/vfio/pci/vfio-pci; do
	b=$(basename "$m")
	if [[ -e $mods/$m.ko.xz ]]; then
		xz -dc "$mods/$m.ko.xz" >"$root/lib/modules/$b.ko"
	else
		cp "$mods/$m.ko" "$root/lib/modules/$b.ko"
	fi
	echo "$b" >>"$root/lib/modules/order"
done
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initramfs.cpio.gz"
cp "$kdir/boot/vmlinuz-$krel" "$out/vmlinuz"
echo "KERNEL=$out/vmlinuz"
echo "INITRD=$out/initramfs.cpio.gz"
echo "KREL=$krel"
