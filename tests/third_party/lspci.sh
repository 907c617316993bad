#!/bin/sh
# SPDX-License-Identifier: MIT
# lspci (pciutils) on software devices, as on a machine with vfio-pci
# bound: names, the verbose decode of config space and capabilities, the
# IOMMU group and "Kernel driver in use" (which lspci finds through
# realpath of the driver link and ".."), and the config space dump.
#
# usage: lspci.sh <softvfio>
softvfio=$1
. "$(dirname "$0")/lib.sh"
need lspci pciutils

nic=5f00:00:01.0
edu=5f00:00:02.0
run --device nic --device edu -- lspci -vv -k -s $nic
expect "the nic by its ids" "^$nic Ethernet controller: .*5356.*0001.* \(rev 01\)"
expect "its IOMMU group" "^	IOMMU group: [0-9]+$"
expect "BAR 0" "^	Region 0: Memory at [0-9a-f]+ \(32-bit, non-prefetchable\) \[size=128K\]"
expect "BAR 2" "^	Region 2: Memory at [0-9a-f]+ \(64-bit, prefetchable\) \[size=4G\]"
expect "the Express capability" "Capabilities: \[60\] Express \(v2\) Endpoint"
expect "the MSI-X capability" "Capabilities: \[9c\] MSI-X: Enable- Count=64 Masked-"
expect "the MSI-X table's place" "Vector table: BAR=4 offset=00000000"
expect "the driver" "^	Kernel driver in use: vfio-pci$"

run --device nic --device edu -- lspci -nn -k
expect "both devices listed, edu by its ids" "^$edu .*\[1234:11e8\]"
expect "the nic by its ids" "^$nic .*\[5356:0001\]"

run --device nic -- lspci -x -s $nic
expect "config space dump: vendor 5356, device 0001" "^00: 56 53 01 00 "
expect "the header's last row" "^30: "

run --device edu --profile linux-6.12 --access cdev,iommufd -- lspci -k -s 5f00:00:01.0
expect "the driver with cdev access on linux-6.12" "^	Kernel driver in use: vfio-pci$"
finish
