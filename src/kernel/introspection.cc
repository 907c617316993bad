/* SPDX-License-Identifier: MIT */
/*
 * Kernel introspection: device state, mappings and the page-table model.
 */
#include <softvfio/kernel.h>

#include <cerrno>

#include "kernel/kernel_dmabuf.h"
#include "kernel/kernel_impl.h"

namespace softvfio {

namespace {

MemoryAttribute to_public(mm::MemAttr attr)
{
	return attr == mm::MemAttr::WriteCombine ? MemoryAttribute::WriteCombine : MemoryAttribute::Uncached;
}

const char *power_name(pci::PowerState state)
{
	switch (state) {
	case pci::PowerState::D0: return "D0";
	case pci::PowerState::D1: return "D1";
	case pci::PowerState::D2: return "D2";
	case pci::PowerState::D3hot: return "D3hot";
	case pci::PowerState::D3cold: return "D3cold";
	}
	return "?";
}

MappingInfo to_info(const mm::VmaSnapshot &v)
{
	MappingInfo info;
	info.start = v.start;
	info.end = v.end;
	info.offset = v.pgoff << mm::kPageShift;
	info.prot = v.prot;
	info.accessible = v.live;
	info.attr = to_public(v.attr);
	info.path = v.maps_name;
	info.kind = std::string(vfs::file_kind_name(v.file_kind));
	for (const auto &e : v.entries)
		info.page_table.push_back({e.addr, e.order, e.pfn, to_public(e.attr)});
	return info;
}

} /* namespace */

const char *to_string(BufferStatus status)
{
	switch (status) {
	case BufferStatus::Ok: return "OK";
	case BufferStatus::TempRevoked: return "TEMP_REVOKED";
	case BufferStatus::PermRevoked: return "PERM_REVOKED";
	}
	return "?";
}

const char *to_string(MemoryAttribute attr)
{
	return attr == MemoryAttribute::WriteCombine ? "WC" : "NC";
}

Result<DeviceState> Kernel::device_state(std::string_view bdf)
{
	std::shared_ptr<vfio::VfioPciDevice> dev;
	DeviceState s;
	{
		std::lock_guard guard(impl_->devices_lock);
		auto it = impl_->devices.find(bdf);
		if (it == impl_->devices.end())
			return err(ENODEV);
		dev = it->second.device;
		s.description = it->second.description;
	}
	s.bdf = dev->bdf();
	s.vfio_name = dev->vfio_name();
	s.profile = std::string(dev->profile().name);
	s.iommu_group = dev->setup().iommu_group;
	s.open_count = dev->open_count();
	{
		std::shared_lock guard(dev->memory_lock());
		s.memory_enabled = dev->memory_enabled_locked();
	}
	s.power_state = power_name(dev->function().power_state());
	s.low_power = dev->pm_runtime_engaged();
	s.irq_type = dev->irqs().irq_type();
	s.irq_vectors = dev->irqs().enabled_vectors();
	s.buffers = dev->buffers().size();
	s.iommu_faults = dev->dma_port().faults();
	s.register_accesses = dev->register_accesses();
	return s;
}

std::vector<MappingInfo> Kernel::mappings(bool sync_page_tables)
{
	std::vector<MappingInfo> out;
	auto vmas = impl_->current().mm.snapshot(sync_page_tables);
	for (const auto &v : vmas)
		out.push_back(to_info(v));
	fill_buffer_ids(impl_.get(), vmas, out);
	return out;
}

Result<PageTableEntryInfo> Kernel::touch(const void *addr)
{
	uintptr_t a = reinterpret_cast<uintptr_t>(addr);
	mm::FaultOutcome f = impl_->current().mm.touch(a);
	if (f.result != mm::FaultResult::Inserted)
		return err(EFAULT);
	auto vma = impl_->current().mm.find(a);
	uintptr_t base = a & ~((mm::kPageSize << f.order) - 1);
	return PageTableEntryInfo{base, f.order, f.pfn, vma ? to_public(vma->attr) : MemoryAttribute::Uncached};
}

} /* namespace softvfio */
