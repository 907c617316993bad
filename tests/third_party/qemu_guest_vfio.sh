#!/bin/sh
# SPDX-License-Identifier: MIT
# The conformance suite (conformance/suite) run by a real Linux 6.12 in a
# QEMU guest on softvfio's devices: unmodified QEMU 7.2 (TCG, q35) under
# `softvfio run --device ivshmem-plain --device edu` passes both through with
# `-device vfio-pci` (QEMU's defaults) behind its emulated VT-d
# (intel-iommu, caching mode, as QEMU asks of vfio-pci behind a vIOMMU), and
# the guest binds them to its own vfio-pci and runs the suite: registers
# through pread/pwrite and through mappings, MSI and INTx through eventfds,
# DMA through the guest's IOMMU, which QEMU turns into type1 MAP_DMA and
# UNMAP_DMA on softvfio. The reference is the same guest on QEMU's own
# ivshmem-plain and edu (conformance/guest/boot.sh); conformance-compare
# holds the two records to conformance/allowlist.txt (the allowed rows are
# device properties) and to the suite's self-checks.
#
# usage: qemu_guest_vfio.sh <softvfio> <conformance-suite-static> <conformance-compare> <work directory>
# env: SOFTVFIO_QEMU_GUEST_TIMEOUT bounds each of the two QEMU runs (seconds, default 80)
softvfio=$1
suite=$2
compare=$3
work=$4
here=$(cd "$(dirname "$0")" && pwd)
conf=$here/../../conformance
. "$here/lib.sh"
need_guest

mkdir -p "$work"
if ! "$conf/guest/build.sh" "$suite" "$work/guest" >"$work/guest-build.log" 2>&1; then
  cat "$work/guest-build.log"
  echo "SKIP: cannot build the conformance guest (the pinned kernel is not available?)"
  exit 77
fi
limit=${SOFTVFIO_QEMU_GUEST_TIMEOUT:-80}
append="console=ttyS0 intel_iommu=on panic=-1 loglevel=1 no_timer_check"

# record <console text> <file>: the framed record lines; their number must
# be the trailer's.
record() {
  printf '%s\n' "$1" | sed -n 's/^CONF|//p' >"$2"
  lines=$(wc -l <"$2")
  trailer=$(printf '%s\n' "$1" | sed -n 's/^CONF-END|//p')
  if [ "$lines" -gt 0 ] && [ "$trailer" = "$lines" ]; then
    echo "PASS: $2: a whole record ($lines lines)"
  else
    echo "FAIL: $2: incomplete record ($lines lines, trailer '$trailer')"
    printf '%s\n' "$1" | tail -n 30 | sed 's/^/  | /'
    failures=$((failures + 1))
  fi
}

start=$(date +%s)
SOFTVFIO_CONF_TIMEOUT=$limit "$conf/guest/boot.sh" "$work/guest/vmlinuz" "$work/guest/initramfs.cpio.gz" \
  "$work/reference.console"
echo "reference guest (QEMU's devices): $(($(date +%s) - start)) s"
record "$(tr -d '\r' <"$work/reference.console")" "$work/reference.jsonl"

start=$(date +%s)
run --device ivshmem-plain@5f00:00:01.0 --device edu@5f00:00:02.0 -- timeout -k 5 "$limit" \
  qemu-system-x86_64 -machine q35,accel=tcg -cpu max -smp 1 -m 512 -nodefaults -display none \
  -monitor none -serial stdio -no-reboot -device intel-iommu,caching-mode=on \
  -device vfio-pci,host=5f00:00:01.0 -device vfio-pci,host=5f00:00:02.0 \
  -kernel "$work/guest/vmlinuz" -initrd "$work/guest/initramfs.cpio.gz" -append "$append" </dev/null
out=$(printf '%s\n' "$out" | tr -d '\r')
echo "guest on softvfio's devices: $(($(date +%s) - start)) s"
printf '%s\n' "$out" | grep -E '^GUEST:' | sed 's/^/  | /'
record "$out" "$work/passed_through.jsonl"
expect "the guest's vfio-pci holds ivshmem-plain" "^GUEST: .* \(0x1af4 0x1110\) driver=vfio-pci group="
expect "the guest's vfio-pci holds edu" "^GUEST: .* \(0x1234 0x11e8\) driver=vfio-pci group="
expect "the suite ran to its end" "^GUEST: suite exit status 0$"
# QEMU's one expected warning: neither function has a reset (no FLR, no PM
# reset), as on a real kernel; any other message of QEMU's is a failure.
out=$(printf '%s\n' "$out" | grep -v "vfio: Cannot reset device 5f00:00:0[12].0, no available reset mechanism")
refuse "no other QEMU message" "qemu-system-x86_64: |vfio.*(error|failed)"
refuse "no access refused by the trap" "softvfio: cannot emulate"

# Without the sriov scenario: only the reference guest has an SR-IOV PF
# (QEMU's nvme; QEMU's vfio-pci hides a passed-through function's SR-IOV
# capability from its guest). The conformance suite compares those rows
# with softvfio directly.
for f in reference passed_through; do
  grep -v '^{"scenario":"sriov",' "$work/$f.jsonl" >"$work/$f.compared.jsonl"
done
if table=$("$compare" "$work/reference.compared.jsonl" "$work/passed_through.compared.jsonl" \
    "$conf/allowlist.txt" 2>&1); then
  echo "PASS: the same record as on QEMU's devices, but for allowed device properties:"
  printf '%s\n' "$table" | sed 's/^/  | /'
else
  echo "FAIL: the records differ:"
  printf '%s\n' "$table" | sed 's/^/  | /'
  failures=$((failures + 1))
fi
finish
