/* SPDX-License-Identifier: MIT */
#include "vfio/pci/config/function_backend.h"

#include "vfio/pci/config/virtual_config.h"

namespace softvfio::vfio {

uint32_t FunctionBackend::cfg_size() const { return function_.config_size(); }

uint32_t FunctionBackend::read(uint32_t offset, unsigned width)
{
	return function_.config_read(offset, width);
}

void FunctionBackend::write(uint32_t offset, unsigned width, uint32_t value)
{
	function_.config_write(offset, width, value);
}

ResourceInfo FunctionBackend::bar(unsigned index) const
{
	const pci::Bar &b = function_.bar(index);
	ResourceInfo res;
	/* An unused slot, the upper half of a 64-bit BAR, or a BAR the host
	 * left unassigned all read as unimplemented through vfio. */
	if (b.kind == BarKind::None || b.size == 0 || b.address == 0)
		return res;
	res.assigned = true;
	res.len = b.size;
	res.io = b.kind == BarKind::Io;
	res.prefetch = b.prefetchable;
	res.mem64 = b.kind == BarKind::Mem64;
	return res;
}

std::optional<ConfigBackend::VirtfnIds> FunctionBackend::virtfn_ids() const
{
	const DeviceDescription &desc = function_.description();
	if (!desc.virtual_function)
		return std::nullopt;
	return VirtfnIds{desc.vendor_id, desc.device_id};
}

ResourceInfo FunctionBackend::rom() const
{
	const pci::Bar &b = function_.rom_bar();
	ResourceInfo res;
	if (b.kind == BarKind::None || b.size == 0 || b.address == 0)
		return res;
	res.assigned = true;
	res.len = b.size;
	return res;
}

VirtualConfig::VirtualConfig(ConfigDevice &device)
	: device_(device),
	  owned_backend_(std::make_unique<FunctionBackend>(device.function())),
	  hw_(*owned_backend_)
{
}

} /* namespace softvfio::vfio */
