/* SPDX-License-Identifier: MIT */
/*
 * SysfsTree: one PCI device's directory, /sys/devices/pci<dom>:<bus>/<bdf>,
 * and the entries elsewhere that point at it (bus/pci/devices, the driver's
 * link, the iommu group, the vfio-dev class device).
 */
#include <cstring>
#include <fstream>
#include <sstream>

#include "kernel/sysfs_format.h"
#include "kernel/sysfs_tree.h"
#include "vfio/platform.h"

namespace softvfio {

namespace pf = vfio::platform;

namespace {

uint32_t cfg(const SysfsDevice &dev, size_t off, size_t width)
{
	uint32_t v = 0;
	if (off + width <= dev.config.size())
		std::memcpy(&v, dev.config.data() + off, width);
	return v;
}

std::string slurp(const char *path)
{
	std::ifstream in(path);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

/* Without NUMA information a device's local CPUs are the online ones; the
 * mask is as wide as the possible CPUs. */
struct Cpus {
	std::vector<unsigned> online;
	unsigned nbits;
};

const Cpus &host_cpus()
{
	static const Cpus cpus = [] {
		Cpus c;
		c.online = sysfs::parse_cpu_list(slurp("/sys/devices/system/cpu/online"));
		auto possible = sysfs::parse_cpu_list(slurp("/sys/devices/system/cpu/possible"));
		c.nbits = possible.empty() ? static_cast<unsigned>(c.online.size()) : possible.back() + 1;
		if (c.online.empty())
			c.online.push_back(0);
		return c;
	}();
	return cpus;
}

std::string resource_file(const SysfsDevice &dev)
{
	std::string out;
	for (const pci::Bar &bar : dev.bars) {
		if (bar.kind == BarKind::None || !bar.size)
			out += sysfs::resource_line(0, 0, 0);
		else
			out += sysfs::resource_line(bar.address, bar.address + bar.size - 1, sysfs::bar_flags(bar));
	}
	if (dev.rom.kind != BarKind::None && dev.rom.size)
		out += sysfs::resource_line(dev.rom.address, dev.rom.address + dev.rom.size - 1,
					    sysfs::rom_flags(dev.rom_enabled));
	else
		out += sysfs::resource_line(0, 0, 0);
	/* The six SR-IOV VF BAR apertures (CONFIG_PCI_IOV): a PF's. */
	for (int i = 0; i < 6; i++) {
		const pci::Bar *vf = dev.sriov ? &dev.sriov->vf_bars[i] : nullptr;
		if (vf && vf->kind != BarKind::None && vf->size && vf->address)
			out += sysfs::resource_line(vf->address, vf->address + vf->size - 1, sysfs::bar_flags(*vf));
		else
			out += sysfs::resource_line(0, 0, 0);
	}
	return out;
}

std::string joined(const std::vector<std::string> &words)
{
	std::string out;
	for (auto &w : words)
		out += (out.empty() ? "" : " ") + w;
	return out + "\n";
}

std::string cdev_name(const SysfsState &state, const SysfsDevice &dev)
{
	return (state.access.noiommu ? "noiommu-vfio" : "vfio") + std::to_string(dev.vfio_index);
}

} /* namespace */

void SysfsTree::sync_device_attrs(const SysfsDevice &dev, const std::string &dir)
{
	uint16_t vendor = cfg(dev, 0x00, 2), device = cfg(dev, 0x02, 2);
	if (!dev.physfn.empty()) {
		vendor = dev.virtfn_vendor;
		device = dev.virtfn_device;
	}
	uint16_t subvendor = cfg(dev, 0x2c, 2), subdevice = cfg(dev, 0x2e, 2);
	uint32_t class_code = cfg(dev, 0x08, 4) >> 8;
	write_file(dir + "/vendor", sysfs::hex_attr(vendor, 4), 0444);
	write_file(dir + "/device", sysfs::hex_attr(device, 4), 0444);
	write_file(dir + "/subsystem_vendor", sysfs::hex_attr(subvendor, 4), 0444);
	write_file(dir + "/subsystem_device", sysfs::hex_attr(subdevice, 4), 0444);
	write_file(dir + "/class", sysfs::hex_attr(class_code, 6), 0444);
	write_file(dir + "/revision", sysfs::hex_attr(cfg(dev, 0x08, 1), 2), 0444);
	write_file(dir + "/config", std::string(dev.config.begin(), dev.config.end()), 0644);
	write_file(dir + "/resource", resource_file(dev), 0444);
	write_file(dir + "/irq", std::to_string(dev.irq) + "\n", 0444);
	write_file(dir + "/numa_node", "-1\n", 0644);
	write_file(dir + "/local_cpus", sysfs::cpu_mask(host_cpus().online, host_cpus().nbits), 0444);
	write_file(dir + "/local_cpulist", sysfs::cpu_list(host_cpus().online), 0444);
	write_file(dir + "/enable", std::to_string(dev.enable_count) + "\n", 0644);
	write_file(dir + "/driver_override", dev.driver_override.value_or("(null)") + "\n", 0644);
	write_file(dir + "/modalias", sysfs::modalias(vendor, device, subvendor, subdevice, class_code) + "\n", 0444);
	write_file(dir + "/uevent",
		   sysfs::pci_uevent(dev.bound ? "vfio-pci" : "", class_code, vendor, device, subvendor, subdevice,
				     dev.bdf),
		   0644);
	write_file(dir + "/power_state", dev.power_state + "\n", 0444);
	write_file(dir + "/d3cold_allowed", "1\n", 0644);
	/* The device's runtime PM (drivers/base/power/sysfs.c). */
	mkdirs(dir + "/power");
	write_file(dir + "/power/control", dev.runtime_pm_allowed ? "auto\n" : "on\n", 0644);
	write_file(dir + "/power/runtime_status", dev.runtime_suspended ? "suspended\n" : "active\n", 0444);
	if (!dev.reset_methods.empty())
		write_file(dir + "/reset_method", joined(dev.reset_methods), 0644);
	for (unsigned i = 0; i < 6; i++) {
		const pci::Bar &bar = dev.bars[i];
		if (bar.kind == BarKind::None || !bar.size)
			continue;
		sized_file(dir + "/resource" + std::to_string(i), bar.size, 0600);
		if (bar.prefetchable)
			sized_file(dir + "/resource" + std::to_string(i) + "_wc", bar.size, 0600);
	}
	if (dev.rom.kind != BarKind::None && dev.rom.size)
		sized_file(dir + "/rom", dev.rom.size, 0600);
}

/* The vfio-dev class device exists while the device is bound with cdevs
 * configured. */
void SysfsTree::sync_device_links(const SysfsState &state, const SysfsDevice &dev, const std::string &dir)
{
	const std::string back = "../../../devices/" + dev.bus_dir + "/" + dev.bdf;
	link(dir + "/subsystem", "../../../bus/pci");
	link("bus/pci/devices/" + dev.bdf, back);
	std::string name = cdev_name(state, dev);
	std::string chr = std::to_string(pf::kCdevMajor) + ":" + std::to_string(dev.vfio_index);
	if (dev.bound) {
		link(dir + "/driver", "../../../bus/pci/drivers/vfio-pci");
		link("bus/pci/drivers/vfio-pci/" + dev.bdf, "../" + back);
	} else {
		remove(dir + "/driver");
		remove("bus/pci/drivers/vfio-pci/" + dev.bdf);
	}
	if (dev.bound && state.access.cdev) {
		std::string cdir = dir + "/vfio-dev/" + name;
		mkdirs(cdir);
		write_file(cdir + "/dev", chr + "\n", 0444);
		write_file(cdir + "/uevent",
			   "MAJOR=" + std::to_string(pf::kCdevMajor) + "\nMINOR=" + std::to_string(dev.vfio_index) +
				   "\nDEVNAME=vfio/devices/" + name + "\n",
			   0644);
		link(cdir + "/subsystem", "../../../../../class/vfio-dev");
		link(cdir + "/device", "../../../" + dev.bdf);
		link("class/vfio-dev/" + name, "../../devices/" + dev.bus_dir + "/" + dev.bdf + "/vfio-dev/" + name);
		link("dev/char/" + chr, "../../devices/" + dev.bus_dir + "/" + dev.bdf + "/vfio-dev/" + name);
	} else {
		remove(dir + "/vfio-dev");
		remove("class/vfio-dev/" + name);
		remove("dev/char/" + chr);
	}
}

/* IOMMU groups belong to the IOMMU, not to vfio: they stay when the device
 * is unbound, except the fake groups vfio makes for no-IOMMU devices. */
void SysfsTree::sync_iommu_group(const SysfsState &state, const SysfsDevice &dev)
{
	const std::string gdir = "kernel/iommu_groups/" + std::to_string(dev.iommu_group);
	const std::string dir = "devices/" + dev.bus_dir + "/" + dev.bdf;
	if (state.access.noiommu && !dev.bound) {
		remove(gdir);
		remove(dir + "/iommu_group");
		return;
	}
	mkdirs(gdir + "/devices");
	link(gdir + "/devices/" + dev.bdf, "../../../../devices/" + dev.bus_dir + "/" + dev.bdf);
	if (state.access.noiommu) {
		write_file(gdir + "/type", "unknown\n", 0644);
		write_file(gdir + "/name", "vfio-noiommu\n", 0444);
		write_file(gdir + "/reserved_regions", "", 0444);
	} else {
		write_file(gdir + "/type", "DMA-FQ\n", 0644);
		write_file(gdir + "/reserved_regions",
			   sysfs::reserved_region_line(pf::kMsiStart, pf::kMsiLast, "msi"), 0444);
	}
	link(dir + "/iommu_group", "../../../kernel/iommu_groups/" + std::to_string(dev.iommu_group));
}

void SysfsTree::sync_device(const SysfsState &state, const SysfsDevice &dev)
{
	const std::string dir = "devices/" + dev.bus_dir + "/" + dev.bdf;
	mkdirs(dir);
	sync_device_attrs(dev, dir);
	sync_sriov(dev, dir);
	sync_device_links(state, dev, dir);
	sync_iommu_group(state, dev);
}

} /* namespace softvfio */
