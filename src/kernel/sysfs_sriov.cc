/* SPDX-License-Identifier: MIT */
/*
 * SysfsTree: the SR-IOV entries of a device's directory (drivers/pci/iov.c,
 * CONFIG_PCI_IOV) and the removal of devices that are gone, which VFs are:
 *   sriov_totalvfs, sriov_offset, sriov_stride   decimal, read only
 *   sriov_vf_device                              hex without 0x, read only
 *   sriov_vf_total_msix                          0: vfio-pci cannot say
 *   sriov_numvfs, sriov_drivers_autoprobe        decimal, 0644
 *   virtfn<i> -> ../<VF bdf>                     on a PF, one per enabled VF
 *   physfn -> ../<PF bdf>, sriov_vf_msix_count   on a VF (the latter 0200)
 * Modes and formats as a 6.12 kernel shows them (QEMU's nvme with
 * sriov_max_vfs).
 */
#include <cerrno>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <set>
#include <unistd.h>

#include "kernel/sysfs_tree.h"

namespace softvfio {

namespace fs = std::filesystem;

void SysfsTree::sync_sriov(const SysfsDevice &dev, const std::string &dir)
{
	if (!dev.physfn.empty()) {
		link(dir + "/physfn", "../" + dev.physfn);
		write_file(dir + "/sriov_vf_msix_count", "", 0200);
	}
	if (!dev.sriov)
		return;
	const SysfsDevice::Sriov &s = *dev.sriov;
	char vf_device[8];
	std::snprintf(vf_device, sizeof(vf_device), "%x\n", s.vf_device);
	write_file(dir + "/sriov_totalvfs", std::to_string(s.total_vfs) + "\n", 0444);
	write_file(dir + "/sriov_numvfs", std::to_string(s.virtfns.size()) + "\n", 0644);
	write_file(dir + "/sriov_offset", std::to_string(s.offset) + "\n", 0444);
	write_file(dir + "/sriov_stride", std::to_string(s.stride) + "\n", 0444);
	write_file(dir + "/sriov_vf_device", vf_device, 0444);
	write_file(dir + "/sriov_drivers_autoprobe", std::string(s.drivers_autoprobe ? "1" : "0") + "\n", 0644);
	/* Only a PF driver with sriov_get_vf_total_msix has more to say. */
	write_file(dir + "/sriov_vf_total_msix", "0\n", 0444);
	for (unsigned i = 0; i < s.total_vfs; i++) {
		const std::string name = dir + "/virtfn" + std::to_string(i);
		if (i < s.virtfns.size())
			link(name, "../" + s.virtfns[i]);
		else
			remove(name);
	}
}

/* A device listed in bus/pci/devices that the state no longer has: its
 * directory, its links and its IOMMU group go (a VF's group is its own). */
void SysfsTree::prune_devices(const SysfsState &state)
{
	std::set<std::string> live;
	for (const SysfsDevice &dev : state.devices)
		live.insert(dev.bdf);
	std::error_code ec;
	std::vector<std::string> gone;
	for (auto &entry : fs::directory_iterator(root_ + "/bus/pci/devices", ec)) {
		std::string bdf = entry.path().filename();
		if (!live.count(bdf))
			gone.push_back(bdf);
	}
	for (const std::string &bdf : gone) {
		const std::string dir = "devices/pci" + bdf.substr(0, 7) + "/" + bdf;
		char target[PATH_MAX];
		ssize_t n = ::readlink((root_ + "/" + dir + "/iommu_group").c_str(), target, sizeof(target) - 1);
		if (n > 0) {
			std::string group = std::string(target, static_cast<size_t>(n));
			group = "kernel/iommu_groups/" + group.substr(group.rfind('/') + 1);
			remove(group + "/devices/" + bdf);
			if (fs::is_empty(root_ + "/" + group + "/devices", ec))
				remove(group);
		}
		remove("bus/pci/drivers/vfio-pci/" + bdf);
		remove("bus/pci/devices/" + bdf);
		remove(dir);
	}
}

} /* namespace softvfio */
