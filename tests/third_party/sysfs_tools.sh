#!/bin/sh
# SPDX-License-Identifier: MIT
# ls, find and readlink -f (coreutils, findutils) over the sysfs tree of a
# software device: links, "..", trailing slashes and directory listings as
# sysfs has them.
#
# usage: sysfs_tools.sh <softvfio>
softvfio=$1
. "$(dirname "$0")/lib.sh"
need ls coreutils
need readlink coreutils
need find findutils

bdf=5f00:00:01.0
dev=/sys/bus/pci/devices/$bdf

run -- ls -la $dev/
expect "ls -la <link>/ lists the directory" "^total [0-9]+$"
expect "with its attributes" " vendor$"
expect "and its links" " driver -> \.\./\.\./\.\./bus/pci/drivers/vfio-pci$"
refuse "not the link itself" " $bdf -> "

run -- ls -l /sys/bus/pci/devices/
expect "the device link in the bus directory" " $bdf -> \.\./\.\./\.\./devices/pci5f00:00/$bdf$"

run -- readlink -f $dev/driver $dev/../../../bus/pci/drivers/vfio-pci $dev $dev/.. $dev/iommu_group
expect "readlink -f of the driver link" "^/sys/bus/pci/drivers/vfio-pci$"
expect "readlink -f of the device link" "^/sys/devices/pci5f00:00/$bdf$"
expect "readlink -f of <link>/.. is the link target's parent" "^/sys/devices/pci5f00:00$"
expect "readlink -f of the group link" "^/sys/kernel/iommu_groups/[0-9]+$"

run -- find $dev/ -maxdepth 1 -name vendor
expect "find below <link>/" "^$dev/vendor$"
run -- find -L /sys/bus/pci/devices -maxdepth 2 -name vendor
expect "find -L through the bus directory's links" "^$dev/vendor$"
run -- find /sys/kernel/iommu_groups/ -name $bdf
expect "find in the group tree" "^/sys/kernel/iommu_groups/[0-9]+/devices/$bdf$"

run -- cat $dev/vendor $dev/device
expect "cat vendor" "^0x5356$"
expect "cat device" "^0x0001$"
run -- ls /dev/vfio/
expect "ls /dev/vfio lists the container node" "^vfio$"
finish
