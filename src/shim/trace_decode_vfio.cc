/* SPDX-License-Identifier: MIT */
/*
 * The trace's ioctls of the VFIO fds: container, group and device. Each
 * kind has its own table and decoder because VFIO numbers carry neither
 * size nor direction and the same number means different things on
 * different kinds (0x3b71: VFIO_IOMMU_MAP_DMA on a container,
 * VFIO_DEVICE_PCI_HOT_RESET on a device); one switch over all of them
 * could not even be written.
 */
#include <algorithm>
#include <cstddef>

#include <softvfio/uapi/vfio.h>

#include "shim/trace_decode_util.h"

namespace softvfio::shim::trace_detail {

namespace {

#define NAME SOFTVFIO_TRACE_NAME

const Names kContainerIoctls = {
	NAME(VFIO_GET_API_VERSION), NAME(VFIO_CHECK_EXTENSION), NAME(VFIO_SET_IOMMU), NAME(VFIO_IOMMU_GET_INFO),
	NAME(VFIO_IOMMU_MAP_DMA),   NAME(VFIO_IOMMU_UNMAP_DMA), NAME(VFIO_IOMMU_ENABLE), NAME(VFIO_IOMMU_DISABLE),
	NAME(VFIO_IOMMU_DIRTY_PAGES),
};
const Names kGroupIoctls = {
	NAME(VFIO_GROUP_GET_STATUS), NAME(VFIO_GROUP_SET_CONTAINER), NAME(VFIO_GROUP_UNSET_CONTAINER),
	NAME(VFIO_GROUP_GET_DEVICE_FD),
};
const Names kDeviceIoctls = {
	NAME(VFIO_DEVICE_GET_INFO), NAME(VFIO_DEVICE_GET_REGION_INFO), NAME(VFIO_DEVICE_GET_IRQ_INFO),
	NAME(VFIO_DEVICE_SET_IRQS), NAME(VFIO_DEVICE_RESET), NAME(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO),
	NAME(VFIO_DEVICE_PCI_HOT_RESET), NAME(VFIO_DEVICE_IOEVENTFD), NAME(VFIO_DEVICE_FEATURE),
	NAME(VFIO_DEVICE_BIND_IOMMUFD), NAME(VFIO_DEVICE_ATTACH_IOMMUFD_PT), NAME(VFIO_DEVICE_DETACH_IOMMUFD_PT),
	NAME(VFIO_DEVICE_PCI_DMABUF_REVOKE), NAME(VFIO_MIG_GET_PRECOPY_INFO),
};

const Names kGroupFlags = {NAME(VFIO_GROUP_FLAGS_VIABLE), NAME(VFIO_GROUP_FLAGS_CONTAINER_SET)};
const Names kDeviceFlags = {NAME(VFIO_DEVICE_FLAGS_RESET), NAME(VFIO_DEVICE_FLAGS_PCI),
			    NAME(VFIO_DEVICE_FLAGS_PLATFORM), NAME(VFIO_DEVICE_FLAGS_AMBA),
			    NAME(VFIO_DEVICE_FLAGS_CCW), NAME(VFIO_DEVICE_FLAGS_AP),
			    NAME(VFIO_DEVICE_FLAGS_FSL_MC), NAME(VFIO_DEVICE_FLAGS_CAPS), NAME(VFIO_DEVICE_FLAGS_CDX)};
const Names kRegionFlags = {NAME(VFIO_REGION_INFO_FLAG_READ), NAME(VFIO_REGION_INFO_FLAG_WRITE),
			    NAME(VFIO_REGION_INFO_FLAG_MMAP), NAME(VFIO_REGION_INFO_FLAG_CAPS)};
const Names kIrqInfoFlags = {NAME(VFIO_IRQ_INFO_EVENTFD), NAME(VFIO_IRQ_INFO_MASKABLE),
			     NAME(VFIO_IRQ_INFO_AUTOMASKED), NAME(VFIO_IRQ_INFO_NORESIZE)};
const Names kIrqSetFlags = {NAME(VFIO_IRQ_SET_DATA_NONE),     NAME(VFIO_IRQ_SET_DATA_BOOL),
			    NAME(VFIO_IRQ_SET_DATA_EVENTFD),  NAME(VFIO_IRQ_SET_ACTION_MASK),
			    NAME(VFIO_IRQ_SET_ACTION_UNMASK), NAME(VFIO_IRQ_SET_ACTION_TRIGGER)};
const Names kIoeventfdFlags = {NAME(VFIO_DEVICE_IOEVENTFD_8), NAME(VFIO_DEVICE_IOEVENTFD_16),
			       NAME(VFIO_DEVICE_IOEVENTFD_32), NAME(VFIO_DEVICE_IOEVENTFD_64)};
const Names kIommuInfoFlags = {NAME(VFIO_IOMMU_INFO_PGSIZES), NAME(VFIO_IOMMU_INFO_CAPS)};
const Names kDmaMapFlags = {NAME(VFIO_DMA_MAP_FLAG_READ), NAME(VFIO_DMA_MAP_FLAG_WRITE), NAME(VFIO_DMA_MAP_FLAG_VADDR)};
const Names kDmaUnmapFlags = {NAME(VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP), NAME(VFIO_DMA_UNMAP_FLAG_ALL),
			      NAME(VFIO_DMA_UNMAP_FLAG_VADDR)};
/* CHECK_EXTENSION asks about these, SET_IOMMU takes the first three. */
const Names kIommus = {NAME(VFIO_TYPE1_IOMMU),  NAME(VFIO_TYPE1v2_IOMMU),        NAME(VFIO_NOIOMMU_IOMMU),
		       NAME(VFIO_DMA_CC_IOMMU), NAME(VFIO_TYPE1_NESTING_IOMMU), NAME(VFIO_UNMAP_ALL),
		       NAME(VFIO_UPDATE_VADDR)};
const Names kDirtyFlags = {NAME(VFIO_IOMMU_DIRTY_PAGES_FLAG_START), NAME(VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP),
			   NAME(VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP)};
const Names kHotResetFlags = {NAME(VFIO_PCI_HOT_RESET_FLAG_DEV_ID), NAME(VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED)};
const Names kBindFlags = {NAME(VFIO_DEVICE_BIND_FLAG_TOKEN)};
const Names kAttachFlags = {NAME(VFIO_DEVICE_ATTACH_PASID)};
const Names kDetachFlags = {NAME(VFIO_DEVICE_DETACH_PASID)};
const Names kPrecopyFlags = {NAME(VFIO_PRECOPY_INFO_REINIT)};

#undef NAME

/* SET_IRQS's payload after the header, as its DATA flag says: `count`
 * eventfds (-1 tears one down) or `count` bools; none for DATA_NONE.
 * Bounded by argsz as the kernel bounds it, and by a line's patience. */
void irq_set_data(Fields &out, const vfio_irq_set &set, uintptr_t data)
{
	size_t size;
	if (set.flags & VFIO_IRQ_SET_DATA_EVENTFD)
		size = sizeof(int32_t);
	else if (set.flags & VFIO_IRQ_SET_DATA_BOOL)
		size = sizeof(uint8_t);
	else
		return;
	constexpr uint32_t kShown = 32;
	size_t room = set.argsz > sizeof(vfio_irq_set) ? (set.argsz - sizeof(vfio_irq_set)) / size : 0;
	uint32_t n = static_cast<uint32_t>(std::min<size_t>({set.count, room, kShown}));
	std::string text = "[";
	json values = json::array();
	for (uint32_t i = 0; i < n; i++) {
		int64_t v;
		if (size == sizeof(int32_t)) {
			auto fd = read_struct<int32_t>(data + i * size);
			if (!fd)
				break;
			v = *fd;
		} else {
			auto b = read_struct<uint8_t>(data + i * size);
			if (!b)
				break;
			v = *b;
		}
		text += (i ? ", " : "") + std::to_string(v);
		values.push_back(v);
	}
	if (n < set.count && n == kShown)
		text += ", ...";
	out.raw("data", text + "]", values);
}

/* A vfio_bitmap {pgsize, size, data} the kernel fills. */
void bitmap_field(Fields &out, uintptr_t at)
{
	auto b = read_struct<vfio_bitmap>(at);
	if (!b)
		return;
	TraceArg bm = Fields()
			      .hex("pgsize", b->pgsize)
			      .hex("size", b->size)
			      .hex("data", reinterpret_cast<uintptr_t>(b->data))
			      .done();
	out.raw("bitmap", bm.text, bm.json);
}

/* GET_PCI_HOT_RESET_INFO's devices, as many as the kernel wrote (count,
 * and argsz had room for): group ids, or devids with FLAG_DEV_ID. */
void hot_reset_devices(Fields &out, const vfio_pci_hot_reset_info &info, uintptr_t arg)
{
	size_t room = info.argsz > sizeof(vfio_pci_hot_reset_info)
			      ? (info.argsz - sizeof(vfio_pci_hot_reset_info)) / sizeof(vfio_pci_dependent_device)
			      : 0;
	if (room < info.count)
		return;   /* ENOSPC: the kernel wrote count only */
	bool devid = info.flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID;
	List devices;
	uintptr_t first = arg + sizeof(vfio_pci_hot_reset_info);
	for (uint32_t i = 0; i < info.count && i < kListMax; i++) {
		auto d = read_struct<vfio_pci_dependent_device>(first + i * sizeof(vfio_pci_dependent_device));
		if (!d)
			break;
		Fields f;
		if (devid)
			f.sint("devid", static_cast<int32_t>(d->devid));
		else
			f.num("group_id", d->group_id);
		char bdf[24];
		std::snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x", d->segment, d->bus, d->devfn >> 3, d->devfn & 7);
		f.hex("segment", d->segment).hex("bus", d->bus);
		f.raw("devfn", hex_text(d->devfn) + " /* " + bdf + " */", json{{"devfn", d->devfn}, {"bdf", bdf}});
		devices.add(f.done());
	}
	auto list = devices.done("devices", devices.size() < info.count);
	out.raw("devices", list.text, list.json);
}

/* The container's commands (also iommufd's, in its compatibility mode). */
std::optional<TraceArg> decode_container(unsigned long request, uintptr_t arg)
{
	switch (request) {
	case VFIO_CHECK_EXTENSION:
	case VFIO_SET_IOMMU: {
		/* By value, not a pointer. */
		std::string t = enum_text(arg, kIommus);
		return TraceArg{"arg", t, json(t)};
	}
	case VFIO_GET_API_VERSION:
	case VFIO_IOMMU_ENABLE:
	case VFIO_IOMMU_DISABLE:
		return TraceArg{"arg", "0", json(nullptr)};
	case VFIO_IOMMU_GET_INFO:
		if (auto s = read_struct<vfio_iommu_type1_info>(arg)) {
			Fields out;
			out.num("argsz", s->argsz)
				.flags("flags", s->flags, kIommuInfoFlags)
				.hex("iova_pgsizes", s->iova_pgsizes)
				.num("cap_offset", s->cap_offset);
			info_caps(out, CapFamily::Iommu, arg, s->argsz, s->cap_offset);
			return out.done();
		}
		break;
	case VFIO_IOMMU_MAP_DMA:
		if (auto s = read_struct<vfio_iommu_type1_dma_map>(arg))
			return Fields()
				.num("argsz", s->argsz)
				.flags("flags", s->flags, kDmaMapFlags)
				.hex("vaddr", s->vaddr)
				.hex("iova", s->iova)
				.hex("size", s->size)
				.done();
		break;
	case VFIO_IOMMU_UNMAP_DMA:
		if (auto s = read_struct<vfio_iommu_type1_dma_unmap>(arg)) {
			Fields out;
			out.num("argsz", s->argsz)
				.flags("flags", s->flags, kDmaUnmapFlags)
				.hex("iova", s->iova)
				.hex("size", s->size);
			/* The bitmap to fill follows, as the flag says. */
			if (s->flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP &&
			    s->argsz >= sizeof(vfio_iommu_type1_dma_unmap) + sizeof(vfio_bitmap))
				bitmap_field(out, arg + sizeof(vfio_iommu_type1_dma_unmap));
			return out.done();
		}
		break;
	case VFIO_IOMMU_DIRTY_PAGES:
		if (auto s = read_struct<vfio_iommu_type1_dirty_bitmap>(arg)) {
			Fields out;
			out.num("argsz", s->argsz).flags("flags", s->flags, kDirtyFlags);
			uintptr_t data = arg + sizeof(vfio_iommu_type1_dirty_bitmap);
			if (s->flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP &&
			    s->argsz >= sizeof(vfio_iommu_type1_dirty_bitmap) + sizeof(vfio_iommu_type1_dirty_bitmap_get))
				if (auto g = read_struct<vfio_iommu_type1_dirty_bitmap_get>(data)) {
					out.hex("iova", g->iova).hex("size", g->size);
					bitmap_field(out, data + offsetof(vfio_iommu_type1_dirty_bitmap_get, bitmap));
				}
			return out.done();
		}
		break;
	default:
		return std::nullopt;
	}
	return pointer(arg);
}

std::optional<TraceArg> decode_group(unsigned long request, uintptr_t arg)
{
	switch (request) {
	case VFIO_GROUP_UNSET_CONTAINER:
		return TraceArg{"arg", "0", json(nullptr)};
	case VFIO_GROUP_GET_STATUS:
		if (auto s = read_struct<vfio_group_status>(arg))
			return Fields().num("argsz", s->argsz).flags("flags", s->flags, kGroupFlags).done();
		break;
	case VFIO_GROUP_SET_CONTAINER:
		if (auto fd = read_struct<int32_t>(arg))
			return TraceArg{"arg", "[" + std::to_string(*fd) + "]", json(*fd)};
		break;
	case VFIO_GROUP_GET_DEVICE_FD:
		if (auto s = copy_string_from_user(reinterpret_cast<const char *>(arg), 256))
			return text_arg("arg", *s);
		break;
	default:
		return std::nullopt;
	}
	return pointer(arg);
}

std::optional<TraceArg> decode_device(unsigned long request, uintptr_t arg)
{
	switch (request) {
	case VFIO_DEVICE_RESET:
		return TraceArg{"arg", "0", json(nullptr)};
	case VFIO_DEVICE_GET_INFO:
		if (auto s = read_struct<vfio_device_info>(arg)) {
			Fields out;
			out.num("argsz", s->argsz)
				.flags("flags", s->flags, kDeviceFlags)
				.num("num_regions", s->num_regions)
				.num("num_irqs", s->num_irqs)
				.num("cap_offset", s->cap_offset);
			info_caps(out, CapFamily::Device, arg, s->argsz, s->cap_offset);
			return out.done();
		}
		break;
	case VFIO_DEVICE_GET_REGION_INFO:
		if (auto s = read_struct<vfio_region_info>(arg)) {
			Fields out;
			out.num("argsz", s->argsz)
				.flags("flags", s->flags, kRegionFlags)
				.named("index", s->index, kRegions)
				.num("cap_offset", s->cap_offset)
				.hex("size", s->size)
				.hex("offset", s->offset);
			info_caps(out, CapFamily::Region, arg, s->argsz, s->cap_offset);
			return out.done();
		}
		break;
	case VFIO_DEVICE_GET_IRQ_INFO:
		if (auto s = read_struct<vfio_irq_info>(arg))
			return Fields()
				.num("argsz", s->argsz)
				.flags("flags", s->flags, kIrqInfoFlags)
				.named("index", s->index, kIrqs)
				.num("count", s->count)
				.done();
		break;
	case VFIO_DEVICE_SET_IRQS:
		if (auto s = read_struct<vfio_irq_set>(arg)) {
			Fields out;
			out.num("argsz", s->argsz)
				.flags("flags", s->flags, kIrqSetFlags)
				.named("index", s->index, kIrqs)
				.num("start", s->start)
				.num("count", s->count);
			irq_set_data(out, *s, arg + sizeof(vfio_irq_set));
			return out.done();
		}
		break;
	case VFIO_DEVICE_FEATURE:
		return feature_arg(arg);
	case VFIO_DEVICE_BIND_IOMMUFD:
		if (auto s = read_struct<vfio_device_bind_iommufd>(arg)) {
			Fields out;
			out.num("argsz", s->argsz)
				.flags("flags", s->flags, kBindFlags)
				.sint("iommufd", s->iommufd)
				.num("out_devid", s->out_devid);
			/* token_uuid_ptr exists from 6.17 on: only when argsz has it. */
			if (s->argsz >= sizeof(vfio_device_bind_iommufd))
				out.hex("token_uuid_ptr", s->token_uuid_ptr);
			return out.done();
		}
		break;
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		if (auto s = read_struct<vfio_device_attach_iommufd_pt>(arg)) {
			Fields out;
			out.num("argsz", s->argsz).flags("flags", s->flags, kAttachFlags).num("pt_id", s->pt_id);
			if (s->flags & VFIO_DEVICE_ATTACH_PASID)
				out.num("pasid", s->pasid);
			return out.done();
		}
		break;
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		if (auto s = read_struct<vfio_device_detach_iommufd_pt>(arg)) {
			Fields out;
			out.num("argsz", s->argsz).flags("flags", s->flags, kDetachFlags);
			if (s->flags & VFIO_DEVICE_DETACH_PASID)
				out.num("pasid", s->pasid);
			return out.done();
		}
		break;
	case VFIO_DEVICE_IOEVENTFD:
		if (auto s = read_struct<vfio_device_ioeventfd>(arg)) {
			TraceArg offset = region_offset_arg("offset", s->offset);
			return Fields()
				.num("argsz", s->argsz)
				.flags("flags", s->flags, kIoeventfdFlags)
				.raw("offset", offset.text, offset.json)
				.hex("data", s->data)
				.sint("fd", s->fd)
				.done();
		}
		break;
	case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO:
		if (auto s = read_struct<vfio_pci_hot_reset_info>(arg)) {
			Fields out;
			out.num("argsz", s->argsz).flags("flags", s->flags, kHotResetFlags).num("count", s->count);
			hot_reset_devices(out, *s, arg);
			return out.done();
		}
		break;
	case VFIO_DEVICE_PCI_HOT_RESET:
		if (auto s = read_struct<vfio_pci_hot_reset>(arg)) {
			Fields out;
			out.num("argsz", s->argsz).flags("flags", s->flags, kHotResetFlags).num("count", s->count);
			/* The group fds (none for a cdev's zero-length array), as
			 * many as argsz holds. */
			size_t room = s->argsz > sizeof(vfio_pci_hot_reset)
					      ? (s->argsz - sizeof(vfio_pci_hot_reset)) / sizeof(int32_t)
					      : 0;
			List fds;
			uintptr_t first = arg + sizeof(vfio_pci_hot_reset);
			for (uint32_t i = 0; i < s->count && i < room && i < kListMax; i++) {
				auto fd = read_struct<int32_t>(first + i * sizeof(int32_t));
				if (!fd)
					break;
				fds.add(TraceArg{"", std::to_string(*fd), json(*fd)});
			}
			auto list = fds.done("group_fds", fds.size() < s->count && fds.size() == kListMax);
			out.raw("group_fds", list.text, list.json);
			return out.done();
		}
		break;
	case VFIO_DEVICE_PCI_DMABUF_REVOKE:
		if (auto s = read_struct<vfio_pci_dmabuf_revoke>(arg))
			return Fields().num("argsz", s->argsz).sint("dmabuf_fd", s->dmabuf_fd).done();
		break;
	case VFIO_MIG_GET_PRECOPY_INFO:
		if (auto s = read_struct<vfio_precopy_info>(arg))
			return Fields()
				.num("argsz", s->argsz)
				.flags("flags", s->flags, kPrecopyFlags)
				.hex("initial_bytes", s->initial_bytes)
				.hex("dirty_bytes", s->dirty_bytes)
				.done();
		break;
	default:
		return std::nullopt;
	}
	return pointer(arg);
}

} /* namespace */

const KindDecoder kContainerDecoder{&kContainerIoctls, decode_container, nullptr};
const KindDecoder kGroupDecoder{&kGroupIoctls, decode_group, nullptr};
const KindDecoder kDeviceDecoder{&kDeviceIoctls, decode_device, nullptr};

} /* namespace softvfio::shim::trace_detail */
