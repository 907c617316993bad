#!/bin/sh
# SR-IOV as a setup script does it, under `softvfio run` (shim.sriov_sysfs):
# enable_sriov, sriov_numvfs, the VFs' directories and links, EBUSY for a
# second count, and the VFs gone at 0. Prints PASS/FAIL lines.
pf=/sys/bus/pci/devices/5f00:00:03.0
vf=/sys/bus/pci/devices/5f00:00:03.1
status=0
check() { # description, command...
	what=$1; shift
	if "$@"; then echo "PASS: $what"; else echo "FAIL: $what"; status=1; fi
}
check "sriov_totalvfs is 4" test "$(cat $pf/sriov_totalvfs)" = 4
check "numvfs refused without enable_sriov" sh -c "! echo 1 > $pf/sriov_numvfs 2>/dev/null"
echo Y > /sys/module/vfio_pci/parameters/enable_sriov
check "two VFs" sh -c "echo 2 > $pf/sriov_numvfs"
check "sriov_numvfs reads 2" test "$(cat $pf/sriov_numvfs)" = 2
check "virtfn1 links to 03.2" test "$(readlink $pf/virtfn1)" = ../5f00:00:03.2
check "physfn links to the PF" test "$(readlink $vf/physfn)" = ../5f00:00:03.0
check "the VF's device ID" test "$(cat $vf/device)" = 0x0011
check "the VF is bound to vfio-pci" test "$(basename "$(readlink $vf/driver)")" = vfio-pci
check "the VF's group node exists" test -c "/dev/vfio/$(basename "$(readlink $vf/iommu_group)")"
check "another count is refused (EBUSY)" sh -c "! echo 3 > $pf/sriov_numvfs 2>/dev/null"
check "zero removes them" sh -c "echo 0 > $pf/sriov_numvfs"
check "the VF is gone" test ! -e $vf
[ $status = 0 ] && echo "RESULT: PASS" || echo "RESULT: FAIL"
exit $status
