#!/usr/bin/env bash
# SR-IOV on a real kernel: boots the conformance guest's stock Debian 6.12
# under QEMU (TCG, q35, intel-iommu) with QEMU's nvme as an SR-IOV PF
# (sriov_max_vfs=4) and prints what the kernel answers: the sriov_* files
# and their modes, every sriov_numvfs errno, the VFs' links, IDs, groups
# and binding, the SR-IOV capability, and the VF-token rules through
# vfio-pci. Not a CTest: the conformance scenario sriov
# (conformance/suite/scen_sriov.c) now compares the sysfs and VF-token rows
# on every run. Kept for what the scenario does not record (addresses and
# hardware views, not uAPI): a VF's raw sysfs config (QEMU's bogus INTx pin),
# the PF's resource lines 7..12 and a VF's, and sriov_numvfs while the PF is
# still bound to the kernel's nvme driver.
#
#   conformance/sriov-probe/run.sh [OUTDIR]     needs qemu-system-x86, busybox-static, gcc
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(mktemp -d)}
mkdir -p "$out"
kernel=$("$here/../guest/kernel.sh")
kdir=$(sed -n 's/^KDIR=//p' <<<"$kernel")
krel=$(sed -n 's/^KREL=//p' <<<"$kernel")
for tool in sysfs_write vf_token; do
	gcc -static -O1 -Wall -o "$out/$tool" "$here/$tool.c"
done
"$here/../guest/initramfs.sh" "$kdir" "$krel" "$out/initramfs.cpio.gz" "$here/init" \
	"drivers/vfio/vfio drivers/vfio/vfio_iommu_type1 virt/lib/irqbypass
	 drivers/vfio/pci/vfio-pci-core drivers/vfio/pci/vfio-pci" \
	"$out/sysfs_write=/sysfs_write" "$out/vf_token=/vf_token"
# QEMU 7.2's nvme takes sriov_max_vfs only in a subsystem, with flexible
# queue and interrupt resources for the VFs.
timeout --foreground -k 5 300 qemu-system-x86_64 \
	-machine q35,accel=tcg -cpu max -smp 1 -m 512 -device intel-iommu \
	-device nvme-subsys,id=subsys0 \
	-device nvme,serial=deadbeef,subsys=subsys0,sriov_max_vfs=4,sriov_vq_flexible=8,sriov_vi_flexible=4,max_ioqpairs=12,msix_qsize=8 \
	-kernel "$kdir/boot/vmlinuz-$krel" -initrd "$out/initramfs.cpio.gz" \
	-append "console=ttyS0 intel_iommu=on panic=-1 loglevel=1 no_timer_check" \
	-display none -serial stdio -monitor none -no-reboot -nodefaults \
	</dev/null >"$out/console" 2>"$out/console.qemu"
grep -aE '^(P:|[0-9a-f]{2} |0x)' "$out/console"
