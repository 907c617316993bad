#!/bin/sh
# SPDX-License-Identifier: MIT
# Unmodified QEMU 7.2 (TCG, q35) under `softvfio run --device edu` passes the
# edu function through with `-device vfio-pci,host=...` and QEMU's defaults
# (its BARs mmapped into the guest) and boots a Linux guest: the pinned
# Debian kernel of the conformance guest (conformance/guest/kernel.sh) and a
# busybox initramfs (conformance/guest/initramfs.sh) with uio_pci_generic
# and a static program (qemu_guest/edu_guest.c). In the guest the program
# maps resource0 of the function 1234:11e8 and drives edu through it:
# identification, liveness, factorial, interrupt status, and a raised
# interrupt delivered as INTx to uio. A guest access to the BAR is QEMU's
# access to its mapping of it, trapped and made on the model (a first run
# under `softvfio trace` shows that they do not take QEMU's slow path).
#
# usage: qemu_guest.sh <softvfio> <edu_guest, static> <work directory>
# env: SOFTVFIO_QEMU_GUEST_TIMEOUT bounds each of the two QEMU runs (seconds, default 80)
softvfio=$1
program=$2
work=$3
here=$(cd "$(dirname "$0")" && pwd)
guest=$here/../../conformance/guest
. "$here/lib.sh"
need_guest

mkdir -p "$work"
if ! kernel=$("$guest/kernel.sh" 2>"$work/kernel.log"); then
  cat "$work/kernel.log"
  echo "SKIP: the pinned guest kernel is not available (conformance/guest/kernel.sh)"
  exit 77
fi
kdir=$(printf '%s\n' "$kernel" | sed -n 's/^KDIR=//p')
krel=$(printf '%s\n' "$kernel" | sed -n 's/^KREL=//p')
"$guest/initramfs.sh" "$kdir" "$krel" "$work/initramfs.cpio.gz" "$here/qemu_guest/init" \
  "drivers/uio/uio drivers/uio/uio_pci_generic" "$program=/edu-guest" || {
  echo "FAIL: cannot pack the guest's initramfs"
  exit 1
}

# QEMU with its defaults for vfio-pci; loglevel=1 keeps kernel messages off
# the console, so they cannot split a result line; no_timer_check as in
# conformance/guest/boot.sh.
set -- timeout -k 5 "${SOFTVFIO_QEMU_GUEST_TIMEOUT:-80}" qemu-system-x86_64 \
  -machine q35,accel=tcg -cpu max -smp 1 -m 256 -nodefaults -display none -monitor none \
  -serial stdio -no-reboot -kernel "$kdir/boot/vmlinuz-$krel" -initrd "$work/initramfs.cpio.gz" \
  -append "console=ttyS0 panic=-1 loglevel=1 no_timer_check" \
  -device vfio-pci,host=5f00:00:01.0

# First the guest under `softvfio trace` (mmap, pread64 and pwrite64 only),
# where QEMU's slow path to a BAR, pread/pwrite on its region, would show.
# QEMU takes that path once INTx has fired (it disables the BAR mappings
# until the guest's EOI), so the accesses before the first raise,
# identification, liveness and factorial, must not be in the trace: they
# went through the mapping, trapped.
start=$(date +%s)
traced=$("$softvfio" trace -o "$work/trace.txt" -e trace=pread64,pwrite64,mmap --device edu -- "$@" </dev/null 2>&1 | tr -d '\r')
echo "guest run under softvfio trace: $(($(date +%s) - start)) s"
if printf '%s\n' "$traced" | grep -qE "^EDU-END\|([1-9][0-9]*)/\1$"; then
  echo "PASS: the guest passed under softvfio trace too"
else
  echo "FAIL: the guest under softvfio trace did not pass:"
  printf '%s\n' "$traced" | grep -E '^(GUEST|EDU)|qemu' | sed 's/^/  | /'
  failures=$((failures + 1))
fi
out=$(cat "$work/trace.txt")
expect "QEMU mapped BAR0" "(^|\] )mmap\(.* /\* BAR0\+0 \*/\) = 0x"
refuse "identification, liveness and factorial through the mapping, not the slow path" \
  "(^|\] )p(read|write)64\(.* 0x(0|4|8|20) /\* BAR0\+"

start=$(date +%s)
run --device edu -- "$@" </dev/null
out=$(printf '%s\n' "$out" | tr -d '\r')
echo "guest run: $(($(date +%s) - start)) s"
printf '%s\n' "$out" | grep -E '^(GUEST|EDU)' | sed 's/^/  | /'

expect "the guest booted" "^GUEST: kernel "
expect "uio_pci_generic holds the function" "^GUEST: .* driver=uio_pci_generic"
for check in find mmap-resource0 identification liveness-0 liveness-1 liveness-2 liveness-3 \
  factorial-5 factorial-10 factorial-12 raise-status ack-status \
  intx-enable intx-delivered intx-status intx-ack intx-enable-again; do
  expect "guest: $check" "^EDU\|$check\|pass\|"
done
refuse "no failed check in the guest" "^EDU\|[^|]*\|FAIL"
expect "the guest program ran to its end, every check passed" "^EDU-END\|([1-9][0-9]*)/\1$"
refuse "no access refused by the trap" "softvfio: cannot emulate"
# QEMU's one expected warning: edu has no reset (no FLR, no PM reset), as
# on a real kernel; any other message of QEMU's is a failure.
out=$(printf '%s\n' "$out" | grep -v "vfio: Cannot reset device 5f00:00:01.0, no available reset mechanism")
refuse "no other QEMU message" "qemu-system-x86_64: |vfio.*(error|failed)"
finish
