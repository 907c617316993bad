/* SPDX-License-Identifier: MIT */
/*
 * The capability chains the GET_*_INFO ioctls write after their struct:
 * device info (VFIO_DEVICE_GET_INFO), region info
 * (VFIO_DEVICE_GET_REGION_INFO) and type1 info (VFIO_IOMMU_GET_INFO). Each
 * capability starts with vfio_info_cap_header {id, version, next}; `next`
 * is an offset from the start of the info struct, 0 ends the chain. The
 * same id means different things in each family, hence one table each.
 */
#include <softvfio/uapi/vfio.h>

#include "shim/trace_decode_util.h"

namespace softvfio::shim::trace_detail {

namespace {

#define NAME SOFTVFIO_TRACE_NAME

const Names kDeviceCaps = {NAME(VFIO_DEVICE_INFO_CAP_ZPCI_BASE), NAME(VFIO_DEVICE_INFO_CAP_ZPCI_GROUP),
			   NAME(VFIO_DEVICE_INFO_CAP_ZPCI_UTIL), NAME(VFIO_DEVICE_INFO_CAP_ZPCI_PFIP),
			   NAME(VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP)};
const Names kRegionCaps = {NAME(VFIO_REGION_INFO_CAP_SPARSE_MMAP), NAME(VFIO_REGION_INFO_CAP_TYPE),
			   NAME(VFIO_REGION_INFO_CAP_MSIX_MAPPABLE), NAME(VFIO_REGION_INFO_CAP_NVLINK2_SSATGT),
			   NAME(VFIO_REGION_INFO_CAP_NVLINK2_LNKSPD)};
const Names kIommuCaps = {NAME(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE), NAME(VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION),
			  NAME(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL)};
const Names kAtomicComp = {NAME(VFIO_PCI_ATOMIC_COMP32), NAME(VFIO_PCI_ATOMIC_COMP64), NAME(VFIO_PCI_ATOMIC_COMP128)};
/* VFIO_REGION_TYPE_PCI_VENDOR_TYPE | vendor is shown as such below. */
const Names kRegionTypes = {NAME(VFIO_REGION_TYPE_GFX), NAME(VFIO_REGION_TYPE_CCW),
			    NAME(VFIO_REGION_TYPE_MIGRATION_DEPRECATED)};

#undef NAME

/* One capability (or an item of its array) at `offset` in the info
 * struct, unreadable when the chain claims more than argsz holds. */
template<typename T>
Read<T> cap_at(uintptr_t arg, uint32_t argsz, uint32_t offset)
{
	if (offset + sizeof(T) > argsz)
		return Read<T>(0);
	return Read<T>(arg + offset);
}

std::string region_type_text(uint32_t type)
{
	if (type & static_cast<uint32_t>(VFIO_REGION_TYPE_PCI_VENDOR_TYPE))
		return "VFIO_REGION_TYPE_PCI_VENDOR_TYPE|" + hex_text(type & VFIO_REGION_TYPE_PCI_VENDOR_MASK);
	return enum_text(type, kRegionTypes);
}

/* One capability's fields after its header; false when its body cannot be
 * read (shown with its header only). */
bool cap_body(Fields &f, CapFamily family, uint16_t id, uintptr_t arg, uint32_t argsz, uint32_t at)
{
	switch (family) {
	case CapFamily::Region:
		if (id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
			auto c = cap_at<vfio_region_info_cap_sparse_mmap>(arg, argsz, at);
			if (!c)
				return false;
			f.num("nr_areas", c->nr_areas);
			List areas;
			uint32_t first = at + sizeof(vfio_region_info_cap_sparse_mmap);
			for (uint32_t i = 0; i < c->nr_areas && i < kListMax; i++) {
				auto a = cap_at<vfio_region_sparse_mmap_area>(arg, argsz, first + i * sizeof(vfio_region_sparse_mmap_area));
				if (!a)
					break;
				areas.add(Fields().hex("offset", a->offset).hex("size", a->size).done());
			}
			auto list = areas.done("areas", areas.size() < c->nr_areas);
			f.raw("areas", list.text, list.json);
			return true;
		}
		if (id == VFIO_REGION_INFO_CAP_TYPE) {
			auto c = cap_at<vfio_region_info_cap_type>(arg, argsz, at);
			if (!c)
				return false;
			std::string type = region_type_text(c->type);
			f.raw("type", type, type).num("subtype", c->subtype);
			return true;
		}
		if (id == VFIO_REGION_INFO_CAP_NVLINK2_SSATGT) {
			auto c = cap_at<vfio_region_info_cap_nvlink2_ssatgt>(arg, argsz, at);
			if (!c)
				return false;
			f.hex("tgt", c->tgt);
			return true;
		}
		if (id == VFIO_REGION_INFO_CAP_NVLINK2_LNKSPD) {
			auto c = cap_at<vfio_region_info_cap_nvlink2_lnkspd>(arg, argsz, at);
			if (!c)
				return false;
			f.num("link_speed", c->link_speed);
			return true;
		}
		return true;   /* MSIX_MAPPABLE: the header is all */
	case CapFamily::Iommu:
		if (id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			auto c = cap_at<vfio_iommu_type1_info_cap_iova_range>(arg, argsz, at);
			if (!c)
				return false;
			f.num("nr_iovas", c->nr_iovas);
			List ranges;
			uint32_t first = at + sizeof(vfio_iommu_type1_info_cap_iova_range);
			for (uint32_t i = 0; i < c->nr_iovas && i < kListMax; i++) {
				auto r = cap_at<vfio_iova_range>(arg, argsz, first + i * sizeof(vfio_iova_range));
				if (!r)
					break;
				ranges.add(Fields().hex("start", r->start).hex("end", r->end).done());
			}
			auto list = ranges.done("iova_ranges", ranges.size() < c->nr_iovas);
			f.raw("iova_ranges", list.text, list.json);
			return true;
		}
		if (id == VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION) {
			auto c = cap_at<vfio_iommu_type1_info_cap_migration>(arg, argsz, at);
			if (!c)
				return false;
			f.hex("flags", c->flags).hex("pgsize_bitmap", c->pgsize_bitmap).hex("max_dirty_bitmap_size",
											   c->max_dirty_bitmap_size);
			return true;
		}
		if (id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
			auto c = cap_at<vfio_iommu_type1_info_dma_avail>(arg, argsz, at);
			if (!c)
				return false;
			f.num("avail", c->avail);
			return true;
		}
		return true;
	case CapFamily::Device:
		if (id == VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP) {
			auto c = cap_at<vfio_device_info_cap_pci_atomic_comp>(arg, argsz, at);
			if (!c)
				return false;
			f.flags("flags", c->flags, kAtomicComp);
			return true;
		}
		return true;   /* s390 zPCI: not a PCI function of this model's */
	}
	return true;
}

} /* namespace */

void info_caps(Fields &out, CapFamily family, uintptr_t arg, uint32_t argsz, uint32_t cap_offset)
{
	/* Beyond argsz there is no chain: the kernel writes none there (it
	 * asks for a larger argsz, with cap_offset 0). */
	if (!cap_offset || cap_offset >= argsz)
		return;
	const Names &names = family == CapFamily::Region  ? kRegionCaps
			     : family == CapFamily::Iommu ? kIommuCaps
							  : kDeviceCaps;
	List caps;
	bool more = false;
	uint32_t at = cap_offset;
	/* Forward only, and a bounded number: a chain the program wrote
	 * itself (before the call failed) may loop. */
	while (at) {
		if (caps.size() == kListMax) {
			more = true;
			break;
		}
		auto h = cap_at<vfio_info_cap_header>(arg, argsz, at);
		if (!h) {
			more = true;
			break;
		}
		Fields f;
		f.named("id", h->id, names).num("version", h->version).num("next", h->next);
		cap_body(f, family, h->id, arg, argsz, at);
		caps.add(f.done());
		if (h->next && h->next < at + sizeof(vfio_info_cap_header)) {
			more = true;
			break;
		}
		at = h->next;
	}
	auto list = caps.done("caps", more);
	out.raw("caps", list.text, list.json);
}

} /* namespace softvfio::shim::trace_detail */
