/* SPDX-License-Identifier: MIT */
/*
 * Kernel: the sysfs view (sysfs_root) and binding devices to and from
 * vfio-pci, which makes their nodes appear and disappear.
 */
#include <softvfio/kernel.h>

#include <chrono>
#include <thread>

#include "kernel/kernel_impl.h"
#include "kernel/kernel_sriov.h"
#include "kernel/sysfs_tree.h"
#include "vfio/group.h"

namespace softvfio {

namespace {


const char *power_name(pci::PowerState s)
{
	switch (s) {
	case pci::PowerState::D0: return "D0";
	case pci::PowerState::D1: return "D1";
	case pci::PowerState::D2: return "D2";
	case pci::PowerState::D3hot: return "D3hot";
	case pci::PowerState::D3cold: return "D3cold";
	}
	return "unknown";
}

/* pdev->irq: the line firmware routed the pin to (the interrupt line
 * register), 0 without a pin. */
unsigned irq_of(pci::PciFunction &fn)
{
	return fn.config_read(0x3d, 1) ? fn.config_read(0x3c, 1) : 0;
}

SysfsDevice device_view(const std::string &bdf, const DeviceEntry &entry, const vfio::VfioCore &core)
{
	vfio::VfioPciDevice &dev = *entry.device;
	pci::PciFunction &fn = dev.function();
	SysfsDevice d;
	d.bdf = bdf;
	d.bus_dir = "pci" + bdf.substr(0, 7);
	d.vfio_index = dev.setup().vfio_index;
	d.iommu_group = dev.setup().iommu_group;
	d.bound = core.bound(dev);
	d.driver_override = entry.driver_override;
	for (uint32_t off = 0; off < fn.config_size(); off += 4) {
		uint32_t v = fn.config_read(off, 4);
		auto *b = reinterpret_cast<const uint8_t *>(&v);
		d.config.insert(d.config.end(), b, b + 4);
	}
	for (unsigned i = 0; i < 6; i++)
		d.bars[i] = fn.bar(i);
	d.rom = fn.rom_bar();
	d.rom_enabled = fn.config_read(0x30, 4) & 1;
	d.irq = irq_of(fn);
	d.enable_count = dev.open_count() ? 1 : 0;
	d.power_state = power_name(fn.power_state());
	d.runtime_pm_allowed = dev.runtime_pm_allowed();
	d.runtime_suspended = dev.runtime_suspended();
	if (fn.has_flr())
		d.reset_methods.push_back("flr");
	if (fn.has_pm_reset())
		d.reset_methods.push_back("pm");
	if (fn.has_bus_reset())
		d.reset_methods.push_back("bus");
	sriov_view(entry, d);
	return d;
}

SysfsState state_of(Kernel::Impl &impl)
{
	SysfsState s;
	const vfio::VfioCore &core = *impl.vfio;
	s.access = core.config();
	s.dma_entry_limit = impl.vfio->params().dma_entry_limit.load();
	s.allow_unsafe_interrupts = impl.vfio->params().allow_unsafe_interrupts.load();
	s.disable_hugepages = impl.vfio->params().disable_hugepages.load();
	{
		std::lock_guard guard(impl.devices_lock);
		for (auto &[bdf, entry] : impl.devices)
			s.devices.push_back(device_view(bdf, entry, core));
	}
	for (auto &group : core.groups())
		s.groups.push_back({group->number(), group->minor(), group->name()});
	return s;
}

} /* namespace */

Kernel::Impl::~Impl() = default;

void Kernel::Impl::refresh_sysfs()
{
	std::lock_guard guard(sysfs_lock);
	if (sysfs)
		sysfs->sync(state_of(*this));
}

Result<SysfsTree *> Kernel::Impl::sysfs_locked()
{
	if (!sysfs) {
		auto tree = SysfsTree::create(options.sysfs_dir);
		if (!tree)
			return err(tree.error());
		sysfs = std::move(*tree);
	}
	sysfs->sync(state_of(*this));
	return sysfs.get();
}

std::string Kernel::sysfs_root()
{
	std::lock_guard guard(impl_->sysfs_lock);
	auto tree = impl_->sysfs_locked();
	return tree ? (*tree)->root() : std::string();
}

void Kernel::Impl::bind_vfio(const std::shared_ptr<vfio::VfioPciDevice> &dev)
{
	vfio->bind(dev);
	refresh_sysfs();
}

/* vfio-pci's remove waits for the user to let go of the device, asking
 * through the REQ interrupt (again every 10 s, as vfio does) meanwhile. */
void Kernel::Impl::unbind_vfio(const std::shared_ptr<vfio::VfioPciDevice> &dev)
{
	/* vfio_pci_core_unregister_device(): SR-IOV off first. */
	sriov_disable_for_unbind(*this, dev);
	using namespace std::chrono;
	auto asked = steady_clock::now() - seconds(10);
	while (dev->open_count()) {
		if (steady_clock::now() - asked >= seconds(10)) {
			dev->request_release();
			asked = steady_clock::now();
		}
		std::this_thread::sleep_for(milliseconds(10));
	}
	vfio->unbind(dev);
	refresh_sysfs();
}

} /* namespace softvfio */
