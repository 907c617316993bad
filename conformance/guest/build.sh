#!/usr/bin/env bash
# Builds the conformance guest: the pinned stock Debian 6.12 kernel
# (kernel.sh) and an initramfs (initramfs.sh) with busybox-static, the VFIO
# modules, init and the static suite.
#
#   build.sh SUITE OUTDIR
#
# Prints the paths of the kernel and the initramfs (KERNEL=..., INITRD=...).
# Needs: apt-get (bookworm-security in the sources), dpkg-deb, xz, cpio,
# gzip, busybox-static.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=${1:?usage: build.sh SUITE OUTDIR}
out=${2:?usage: build.sh SUITE OUTDIR}

kernel=$("$here/kernel.sh")
kdir=$(sed -n 's/^KDIR=//p' <<<"$kernel")
krel=$(sed -n 's/^KREL=//p' <<<"$kernel")
mkdir -p "$out"
# Load order. vfio_virqfd is built into vfio since 6.2.
"$here/initramfs.sh" "$kdir" "$krel" "$out/initramfs.cpio.gz" "$here/init" \
	"drivers/vfio/vfio drivers/vfio/vfio_iommu_type1 virt/lib/irqbypass
	 drivers/vfio/pci/vfio-pci-core drivers/vfio/pci/vfio-pci" \
	"$suite=/conformance-suite"
cp "$kdir/boot/vmlinuz-$krel" "$out/vmlinuz"
echo "KERNEL=$out/vmlinuz"
echo "INITRD=$out/initramfs.cpio.gz"
echo "KREL=$krel"
