#!/bin/sh
# SPDX-License-Identifier: MIT
# QEMU 7.2 (qemu-system-x86) realizes `-device vfio-pci,host=<bdf>` on each
# built-in preset under `softvfio run` and quits cleanly: the guest's PCI
# bus shows the device with its IDs and BARs, as a VMM sees a passed-through
# function. The guest never runs (-S): what is checked is QEMU's own walk
# of the uAPI (device and region info, config space, irqs, DMA mappings of
# guest RAM, resets).
#
# usage: qemu_realize.sh <softvfio>
softvfio=$1
. "$(dirname "$0")/lib.sh"
need qemu-system-x86_64 qemu-system-x86

bdf=5f00:00:01.0
for preset in nic:5356:0001 edu:1234:11e8 ivshmem-plain:1af4:1110; do
  name=${preset%%:*}
  ids=${preset#*:}
  run --device "$name" -- sh -c "printf 'info pci\nquit\n' | qemu-system-x86_64 -machine q35,accel=tcg -m 64 \
    -nodefaults -nographic -display none -S -monitor stdio -device vfio-pci,host=$bdf,id=passed"
  expect "$name: realized, its IDs on the guest's bus" "PCI device $ids"
  expect "$name: under the id given" "id \"passed\""
  expect "$name: with a memory BAR" "BAR[0-5]: (32|64) bit (prefetchable )?memory"
  refuse "$name: no realize error" "qemu-system-x86_64: -device|vfio .*(error|failed)|Failed to"
done
finish
