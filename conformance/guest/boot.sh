#!/usr/bin/env bash
# Boots the conformance guest under QEMU TCG (q35, emulated Intel IOMMU,
# ivshmem-plain with 1 MiB of shared memory, edu, and QEMU's nvme as an
# SR-IOV physical function with 4 VFs) and writes the serial
# console to CONSOLE. QEMU's own messages (the vIOMMU's fault reports) go
# to CONSOLE.qemu.
#
#   boot.sh KERNEL INITRD CONSOLE        env: SOFTVFIO_CONF_TIMEOUT (180 s)
set -uo pipefail
kernel=${1:?} initrd=${2:?} console=${3:?}
timeout=${SOFTVFIO_CONF_TIMEOUT:-180}
shm=$(mktemp "${TMPDIR:-/tmp}/softvfio-conf-ivshmem.XXXXXX")
trap 'rm -f "$shm"' EXIT
truncate -s 1M "$shm"
# loglevel=1 keeps kernel messages off the console, so they cannot split a
# record line; init prints the interesting part of dmesg at the end.
# no_timer_check: on a loaded host TCG can miss the IO-APIC timer check,
# and with interrupt remapping on the kernel then panics ("timer doesn't
# work through Interrupt-remapped IO-APIC"), seen here at load 15.
# QEMU 7.2's nvme takes sriov_max_vfs only in a subsystem, with flexible
# queue and interrupt resources for the VFs (the sriov scenario).
timeout --foreground -k 5 "$timeout" qemu-system-x86_64 \
	-machine q35,accel=tcg -cpu max -smp 1 -m 512 \
	-device intel-iommu \
	-object "memory-backend-file,id=shm0,share=on,mem-path=$shm,size=1M" \
	-device ivshmem-plain,memdev=shm0 \
	-device edu \
	-device nvme-subsys,id=subsys0 \
	-device "nvme,addr=04.0,serial=deadbeef,subsys=subsys0,sriov_max_vfs=4,sriov_vq_flexible=8,sriov_vi_flexible=4,max_ioqpairs=12,msix_qsize=8" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 intel_iommu=on panic=-1 loglevel=1 no_timer_check" \
	-display none -serial stdio -monitor none -no-reboot -nodefaults \
	</dev/null >"$console" 2>"$console.qemu"
