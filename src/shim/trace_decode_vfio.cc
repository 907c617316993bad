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

const Names kFeatures = {
	NAME(VFIO_DEVICE_FEATURE_PCI_VF_TOKEN), NAME(VFIO_DEVICE_FEATURE_MIGRATION),
	NAME(VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE), NAME(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY),
	NAME(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP), NAME(VFIO_DEVICE_FEATURE_LOW_POWER_EXIT),
	NAME(VFIO_DEVICE_FEATURE_DMA_LOGGING_START), NAME(VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP),
	NAME(VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT), NAME(VFIO_DEVICE_FEATURE_MIG_DATA_SIZE),
	NAME(VFIO_DEVICE_FEATURE_BUS_MASTER), NAME(VFIO_DEVICE_FEATURE_DMA_BUF), NAME(VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2),
	NAME(VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE), NAME(VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR),
};

const Names kFeatureFlags = {NAME(VFIO_DEVICE_FEATURE_GET), NAME(VFIO_DEVICE_FEATURE_SET),
			     NAME(VFIO_DEVICE_FEATURE_PROBE)};
const Names kGroupFlags = {NAME(VFIO_GROUP_FLAGS_VIABLE), NAME(VFIO_GROUP_FLAGS_CONTAINER_SET)};
const Names kDeviceFlags = {NAME(VFIO_DEVICE_FLAGS_RESET), NAME(VFIO_DEVICE_FLAGS_PCI), NAME(VFIO_DEVICE_FLAGS_CAPS)};
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
const Names kIommus = {NAME(VFIO_TYPE1_IOMMU), NAME(VFIO_TYPE1v2_IOMMU), NAME(VFIO_NOIOMMU_IOMMU)};

#undef NAME

TraceArg feature_arg(uintptr_t arg)
{
	auto f = read_struct<vfio_device_feature>(arg);
	if (!f)
		return pointer(arg);
	uint32_t index = f->flags & VFIO_DEVICE_FEATURE_MASK;
	std::string flags = flag_names(f->flags & ~VFIO_DEVICE_FEATURE_MASK, kFeatureFlags);
	const char *feature = lookup(index, kFeatures);
	flags += std::string("|") + (feature ? feature : std::to_string(index));
	Fields out;
	out.num("argsz", f->argsz).raw("flags", flags, flags);
	uintptr_t data = arg + sizeof(vfio_device_feature);
	bool payload = f->argsz > sizeof(vfio_device_feature) && !(f->flags & VFIO_DEVICE_FEATURE_PROBE);
	if (payload && index == VFIO_DEVICE_FEATURE_DMA_BUF) {
		if (auto d = read_struct<vfio_device_feature_dma_buf>(data)) {
			out.named("region_index", d->region_index, kRegions)
				.raw("open_flags", open_flags_arg("", static_cast<int>(d->open_flags)).text,
				     open_flags_arg("", static_cast<int>(d->open_flags)).json)
				.hex("flags", d->flags)
				.num("nr_ranges", d->nr_ranges);
			std::string text = "[";
			json ranges = json::array();
			uintptr_t at = data + sizeof(vfio_device_feature_dma_buf);
			for (uint32_t i = 0; i < d->nr_ranges && i < 16; i++) {
				auto r = read_struct<vfio_region_dma_range>(at + i * sizeof(vfio_region_dma_range));
				if (!r)
					break;
				text += std::string(i ? ", " : "") + "{offset=" + hex_text(r->offset) + ", length=" + hex_text(r->length) + "}";
				ranges.push_back({{"offset", r->offset}, {"length", r->length}});
			}
			out.raw("dma_ranges", text + (d->nr_ranges > 16 ? ", ...]" : "]"), ranges);
		}
	} else if (payload && index == VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE) {
		if (auto d = read_struct<vfio_device_feature_dma_buf_revoke>(data))
			out.sint("dmabuf_fd", d->dmabuf_fd);
	} else if (payload && index == VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR) {
		if (auto d = read_struct<vfio_device_feature_dma_buf_memattr>(data))
			out.sint("dmabuf_fd", d->dmabuf_fd)
				.named("memattr", d->memattr,
				       {{VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_NC, "NC"},
					{VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_WC, "WC"}});
	}
	return out.done();
}


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
		if (auto s = read_struct<vfio_iommu_type1_info>(arg))
			return Fields()
				.num("argsz", s->argsz)
				.flags("flags", s->flags, kIommuInfoFlags)
				.hex("iova_pgsizes", s->iova_pgsizes)
				.num("cap_offset", s->cap_offset)
				.done();
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
		if (auto s = read_struct<vfio_iommu_type1_dma_unmap>(arg))
			return Fields()
				.num("argsz", s->argsz)
				.flags("flags", s->flags, kDmaUnmapFlags)
				.hex("iova", s->iova)
				.hex("size", s->size)
				.done();
		break;
	case VFIO_IOMMU_DIRTY_PAGES:
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
		if (auto s = read_struct<vfio_device_info>(arg))
			return Fields()
				.num("argsz", s->argsz)
				.flags("flags", s->flags, kDeviceFlags)
				.num("num_regions", s->num_regions)
				.num("num_irqs", s->num_irqs)
				.num("cap_offset", s->cap_offset)
				.done();
		break;
	case VFIO_DEVICE_GET_REGION_INFO:
		if (auto s = read_struct<vfio_region_info>(arg))
			return Fields()
				.num("argsz", s->argsz)
				.flags("flags", s->flags, kRegionFlags)
				.named("index", s->index, kRegions)
				.num("cap_offset", s->cap_offset)
				.hex("size", s->size)
				.hex("offset", s->offset)
				.done();
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
		if (auto s = read_struct<vfio_device_bind_iommufd>(arg))
			return Fields()
				.num("argsz", s->argsz)
				.hex("flags", s->flags)
				.sint("iommufd", s->iommufd)
				.num("out_devid", s->out_devid)
				.done();
		break;
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		if (auto s = read_struct<vfio_device_attach_iommufd_pt>(arg))
			return Fields().num("argsz", s->argsz).hex("flags", s->flags).num("pt_id", s->pt_id).done();
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
	case VFIO_DEVICE_PCI_HOT_RESET:
	case VFIO_DEVICE_PCI_DMABUF_REVOKE:
	case VFIO_MIG_GET_PRECOPY_INFO:
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
