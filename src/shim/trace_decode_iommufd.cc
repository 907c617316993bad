/* SPDX-License-Identifier: MIT */
/*
 * The trace's ioctls of iommufd and dma-buf fds, and the choice of decoder
 * by the fd's kind (trace_decode.h: ioctl_name, decode_ioctl_arg).
 */
#include <softvfio/uapi/dma-buf.h>
#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>
#include <cstddef>
#include <sys/ioctl.h>

#include "shim/trace_decode_util.h"

namespace softvfio::shim {

namespace trace_detail {

thread_local long t_result = 0;

namespace {

#define NAME SOFTVFIO_TRACE_NAME

const Names kIommufdIoctls = {
	NAME(IOMMU_DESTROY),           NAME(IOMMU_IOAS_ALLOC),       NAME(IOMMU_IOAS_ALLOW_IOVAS),
	NAME(IOMMU_IOAS_COPY),         NAME(IOMMU_IOAS_IOVA_RANGES), NAME(IOMMU_IOAS_MAP),
	NAME(IOMMU_IOAS_UNMAP),        NAME(IOMMU_OPTION),           NAME(IOMMU_VFIO_IOAS),
	NAME(IOMMU_HWPT_ALLOC),        NAME(IOMMU_GET_HW_INFO),      NAME(IOMMU_HWPT_SET_DIRTY_TRACKING),
	NAME(IOMMU_HWPT_GET_DIRTY_BITMAP), NAME(IOMMU_HWPT_INVALIDATE), NAME(IOMMU_FAULT_QUEUE_ALLOC),
	NAME(IOMMU_IOAS_MAP_FILE),     NAME(IOMMU_VIOMMU_ALLOC),     NAME(IOMMU_VDEVICE_ALLOC),
	NAME(IOMMU_IOAS_CHANGE_PROCESS), NAME(IOMMU_VEVENTQ_ALLOC),  NAME(IOMMU_HW_QUEUE_ALLOC),
};
const Names kDmaBufIoctls = {
	NAME(DMA_BUF_IOCTL_SYNC), NAME(DMA_BUF_SET_NAME_A), NAME(DMA_BUF_SET_NAME_B),
	NAME(DMA_BUF_IOCTL_EXPORT_SYNC_FILE), NAME(DMA_BUF_IOCTL_IMPORT_SYNC_FILE),
};
/* MAP, MAP_FILE and COPY share these. */
const Names kIoasMapFlags = {NAME(IOMMU_IOAS_MAP_FIXED_IOVA), NAME(IOMMU_IOAS_MAP_WRITEABLE),
			     NAME(IOMMU_IOAS_MAP_READABLE)};
const Names kSyncRw = {NAME(DMA_BUF_SYNC_READ), NAME(DMA_BUF_SYNC_WRITE)};
const Names kOptions = {NAME(IOMMU_OPTION_RLIMIT_MODE), NAME(IOMMU_OPTION_HUGE_PAGES)};
const Names kOptionOps = {NAME(IOMMU_OPTION_OP_SET), NAME(IOMMU_OPTION_OP_GET)};
const Names kVfioIoasOps = {NAME(IOMMU_VFIO_IOAS_GET), NAME(IOMMU_VFIO_IOAS_SET), NAME(IOMMU_VFIO_IOAS_CLEAR)};
const Names kHwptAllocFlags = {NAME(IOMMU_HWPT_ALLOC_NEST_PARENT), NAME(IOMMU_HWPT_ALLOC_DIRTY_TRACKING),
			       NAME(IOMMU_HWPT_FAULT_ID_VALID), NAME(IOMMU_HWPT_ALLOC_PASID)};
const Names kHwptDataTypes = {NAME(IOMMU_HWPT_DATA_NONE), NAME(IOMMU_HWPT_DATA_VTD_S1), NAME(IOMMU_HWPT_DATA_ARM_SMMUV3)};
const Names kHwInfoTypes = {NAME(IOMMU_HW_INFO_TYPE_NONE), NAME(IOMMU_HW_INFO_TYPE_INTEL_VTD),
			    NAME(IOMMU_HW_INFO_TYPE_ARM_SMMUV3), NAME(IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV)};
const Names kHwCaps = {NAME(IOMMU_HW_CAP_DIRTY_TRACKING), NAME(IOMMU_HW_CAP_PCI_PASID_EXEC),
		       NAME(IOMMU_HW_CAP_PCI_PASID_PRIV)};
const Names kHwInfoFlags = {NAME(IOMMU_HW_INFO_FLAG_INPUT_TYPE)};
const Names kDirtyTrackingFlags = {NAME(IOMMU_HWPT_DIRTY_TRACKING_ENABLE)};
const Names kDirtyBitmapFlags = {NAME(IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR)};
const Names kInvalidateTypes = {NAME(IOMMU_HWPT_INVALIDATE_DATA_VTD_S1), NAME(IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3)};
const Names kViommuTypes = {NAME(IOMMU_VIOMMU_TYPE_DEFAULT), NAME(IOMMU_VIOMMU_TYPE_ARM_SMMUV3),
			    NAME(IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV)};
const Names kVeventqTypes = {NAME(IOMMU_VEVENTQ_TYPE_DEFAULT), NAME(IOMMU_VEVENTQ_TYPE_ARM_SMMUV3),
			     NAME(IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV)};
const Names kHwQueueTypes = {NAME(IOMMU_HW_QUEUE_TYPE_DEFAULT), NAME(IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV)};

#undef NAME

/* The iommu_iova_range array a program points at: the allowed ranges it
 * gives (ALLOW_IOVAS) or the ranges the kernel wrote (IOVA_RANGES). */
void iova_ranges(Fields &out, uint64_t at, uint32_t n)
{
	List ranges;
	for (uint32_t i = 0; i < n && i < kListMax; i++) {
		auto r = read_struct<iommu_iova_range>(at + i * sizeof(iommu_iova_range));
		if (!r)
			break;
		ranges.add(Fields().hex("start", r->start).hex("last", r->last).done());
	}
	auto list = ranges.done("allowed_iovas", ranges.size() < n);
	if (n && !ranges.size())
		out.hex("allowed_iovas", at);   /* unreadable: its address */
	else
		out.raw("allowed_iovas", list.text, list.json);
}

std::optional<TraceArg> decode_iommufd_own(unsigned long request, uintptr_t arg)
{
	switch (request) {
	case IOMMU_IOAS_ALLOC:
		if (auto s = read_struct<iommu_ioas_alloc>(arg))
			return Fields().num("size", s->size).hex("flags", s->flags).num("out_ioas_id", s->out_ioas_id).done();
		break;
	case IOMMU_IOAS_MAP:
		if (auto s = read_struct<iommu_ioas_map>(arg))
			return Fields()
				.num("size", s->size)
				.flags("flags", s->flags, kIoasMapFlags)
				.num("ioas_id", s->ioas_id)
				.hex("user_va", s->user_va)
				.hex("length", s->length)
				.hex("iova", s->iova)
				.done();
		break;
	case IOMMU_IOAS_MAP_FILE:
		if (auto s = read_struct<iommu_ioas_map_file>(arg))
			return Fields()
				.num("size", s->size)
				.flags("flags", s->flags, kIoasMapFlags)
				.num("ioas_id", s->ioas_id)
				.sint("fd", s->fd)
				.hex("start", s->start)
				.hex("length", s->length)
				.hex("iova", s->iova)
				.done();
		break;
	case IOMMU_IOAS_UNMAP:
		if (auto s = read_struct<iommu_ioas_unmap>(arg))
			return Fields()
				.num("size", s->size)
				.num("ioas_id", s->ioas_id)
				.hex("iova", s->iova)
				.hex("length", s->length)
				.done();
		break;
	case IOMMU_DESTROY:
		if (auto s = read_struct<iommu_destroy>(arg))
			return Fields().num("size", s->size).num("id", s->id).done();
		break;
	case IOMMU_IOAS_IOVA_RANGES:
		if (auto s = read_struct<iommu_ioas_iova_ranges>(arg)) {
			/* num_iovas comes back as the count the kernel has;
			 * it wrote the ranges only when they all fit. */
			Fields out;
			out.num("size", s->size).num("ioas_id", s->ioas_id).num("num_iovas", s->num_iovas);
			if (t_result < 0)
				out.hex("allowed_iovas", s->allowed_iovas);   /* nothing written there */
			else
				iova_ranges(out, s->allowed_iovas, s->num_iovas);
			return out.hex("out_iova_alignment", s->out_iova_alignment).done();
		}
		break;
	case IOMMU_IOAS_ALLOW_IOVAS:
		if (auto s = read_struct<iommu_ioas_allow_iovas>(arg)) {
			Fields out;
			out.num("size", s->size).num("ioas_id", s->ioas_id).num("num_iovas", s->num_iovas);
			iova_ranges(out, s->allowed_iovas, s->num_iovas);
			return out.done();
		}
		break;
	case IOMMU_IOAS_COPY:
		if (auto s = read_struct<iommu_ioas_copy>(arg))
			return Fields()
				.num("size", s->size)
				.flags("flags", s->flags, kIoasMapFlags)
				.num("dst_ioas_id", s->dst_ioas_id)
				.num("src_ioas_id", s->src_ioas_id)
				.hex("length", s->length)
				.hex("dst_iova", s->dst_iova)
				.hex("src_iova", s->src_iova)
				.done();
		break;
	case IOMMU_OPTION:
		if (auto s = read_struct<iommu_option>(arg))
			return Fields()
				.num("size", s->size)
				.named("option_id", s->option_id, kOptions)
				.named("op", s->op, kOptionOps)
				.num("object_id", s->object_id)
				.num("val64", s->val64)
				.done();
		break;
	case IOMMU_VFIO_IOAS:
		if (auto s = read_struct<iommu_vfio_ioas>(arg))
			return Fields().num("size", s->size).num("ioas_id", s->ioas_id).named("op", s->op, kVfioIoasOps).done();
		break;
	case IOMMU_HWPT_ALLOC:
		if (auto s = read_struct<iommu_hwpt_alloc>(arg)) {
			Fields out;
			out.num("size", s->size)
				.flags("flags", s->flags, kHwptAllocFlags)
				.num("dev_id", s->dev_id)
				.num("pt_id", s->pt_id)
				.num("out_hwpt_id", s->out_hwpt_id);
			/* The fields after out_hwpt_id came in 6.7 and 6.10:
			 * only as far as size reaches. */
			if (s->size >= offsetof(iommu_hwpt_alloc, data_uptr) + sizeof(s->data_uptr))
				out.named("data_type", s->data_type, kHwptDataTypes)
					.num("data_len", s->data_len)
					.hex("data_uptr", s->data_uptr);
			if (s->size >= sizeof(iommu_hwpt_alloc))
				out.num("fault_id", s->fault_id);
			return out.done();
		}
		break;
	case IOMMU_GET_HW_INFO:
		if (auto s = read_struct<iommu_hw_info>(arg)) {
			Fields out;
			out.num("size", s->size)
				.flags("flags", s->flags, kHwInfoFlags)
				.num("dev_id", s->dev_id)
				.num("data_len", s->data_len)
				.hex("data_uptr", s->data_uptr)
				.named(s->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE ? "in_data_type" : "out_data_type",
				       s->out_data_type, kHwInfoTypes);
			if (s->size >= sizeof(iommu_hw_info))
				out.num("out_max_pasid_log2", s->out_max_pasid_log2)
					.flags("out_capabilities", s->out_capabilities, kHwCaps);
			return out.done();
		}
		break;
	case IOMMU_HWPT_SET_DIRTY_TRACKING:
		if (auto s = read_struct<iommu_hwpt_set_dirty_tracking>(arg))
			return Fields()
				.num("size", s->size)
				.flags("flags", s->flags, kDirtyTrackingFlags)
				.num("hwpt_id", s->hwpt_id)
				.done();
		break;
	case IOMMU_HWPT_GET_DIRTY_BITMAP:
		if (auto s = read_struct<iommu_hwpt_get_dirty_bitmap>(arg))
			return Fields()
				.num("size", s->size)
				.num("hwpt_id", s->hwpt_id)
				.flags("flags", s->flags, kDirtyBitmapFlags)
				.hex("iova", s->iova)
				.hex("length", s->length)
				.hex("page_size", s->page_size)
				.hex("data", s->data)
				.done();
		break;
	case IOMMU_HWPT_INVALIDATE:
		if (auto s = read_struct<iommu_hwpt_invalidate>(arg))
			return Fields()
				.num("size", s->size)
				.num("hwpt_id", s->hwpt_id)
				.hex("data_uptr", s->data_uptr)
				.named("data_type", s->data_type, kInvalidateTypes)
				.num("entry_len", s->entry_len)
				.num("entry_num", s->entry_num)
				.done();
		break;
	case IOMMU_FAULT_QUEUE_ALLOC:
		if (auto s = read_struct<iommu_fault_alloc>(arg))
			return Fields()
				.num("size", s->size)
				.hex("flags", s->flags)
				.num("out_fault_id", s->out_fault_id)
				.sint("out_fault_fd", static_cast<int32_t>(s->out_fault_fd))
				.done();
		break;
	case IOMMU_VIOMMU_ALLOC:
		if (auto s = read_struct<iommu_viommu_alloc>(arg))
			return Fields()
				.num("size", s->size)
				.hex("flags", s->flags)
				.named("type", s->type, kViommuTypes)
				.num("dev_id", s->dev_id)
				.num("hwpt_id", s->hwpt_id)
				.num("out_viommu_id", s->out_viommu_id)
				.num("data_len", s->data_len)
				.hex("data_uptr", s->data_uptr)
				.done();
		break;
	case IOMMU_VDEVICE_ALLOC:
		if (auto s = read_struct<iommu_vdevice_alloc>(arg))
			return Fields()
				.num("size", s->size)
				.num("viommu_id", s->viommu_id)
				.num("dev_id", s->dev_id)
				.num("out_vdevice_id", s->out_vdevice_id)
				.hex("virt_id", s->virt_id)
				.done();
		break;
	case IOMMU_IOAS_CHANGE_PROCESS:
		if (auto s = read_struct<iommu_ioas_change_process>(arg))
			return Fields().num("size", s->size).done();
		break;
	case IOMMU_VEVENTQ_ALLOC:
		if (auto s = read_struct<iommu_veventq_alloc>(arg))
			return Fields()
				.num("size", s->size)
				.hex("flags", s->flags)
				.num("viommu_id", s->viommu_id)
				.named("type", s->type, kVeventqTypes)
				.num("veventq_depth", s->veventq_depth)
				.num("out_veventq_id", s->out_veventq_id)
				.sint("out_veventq_fd", static_cast<int32_t>(s->out_veventq_fd))
				.done();
		break;
	case IOMMU_HW_QUEUE_ALLOC:
		if (auto s = read_struct<iommu_hw_queue_alloc>(arg))
			return Fields()
				.num("size", s->size)
				.hex("flags", s->flags)
				.num("viommu_id", s->viommu_id)
				.named("type", s->type, kHwQueueTypes)
				.num("index", s->index)
				.num("out_hw_queue_id", s->out_hw_queue_id)
				.hex("nesting_parent_iova", s->nesting_parent_iova)
				.hex("length", s->length)
				.done();
		break;
	default:
		if (!lookup(request, kIommufdIoctls))
			return std::nullopt;
		break;
	}
	return pointer(arg);
}

std::optional<TraceArg> decode_dmabuf(unsigned long request, uintptr_t arg)
{
	switch (request) {
	case DMA_BUF_IOCTL_SYNC:
		if (auto s = read_struct<dma_buf_sync>(arg)) {
			/* START is 0: named when END is not set. */
			std::string text = (s->flags & DMA_BUF_SYNC_END) ? "DMA_BUF_SYNC_END" : "DMA_BUF_SYNC_START";
			if (uint64_t rest = s->flags & ~static_cast<uint64_t>(DMA_BUF_SYNC_END))
				text += "|" + flag_names(rest, kSyncRw);
			return Fields().raw("flags", text, text).done();
		}
		break;
	case DMA_BUF_IOCTL_EXPORT_SYNC_FILE:
		if (auto s = read_struct<dma_buf_export_sync_file>(arg))
			return Fields().flags("flags", s->flags, kSyncRw).sint("fd", s->fd).done();
		break;
	case DMA_BUF_IOCTL_IMPORT_SYNC_FILE:
		if (auto s = read_struct<dma_buf_import_sync_file>(arg))
			return Fields().flags("flags", s->flags, kSyncRw).sint("fd", s->fd).done();
		break;
	case DMA_BUF_SET_NAME_A:
	case DMA_BUF_SET_NAME_B:
		if (auto s = copy_string_from_user(reinterpret_cast<const char *>(arg), 256))
			return text_arg("arg", *s);
		break;
	default:
		if (!lookup(request, kDmaBufIoctls))
			return std::nullopt;
		break;
	}
	return pointer(arg);
}

} /* namespace */

/* iommufd answers the container's commands too (its compatibility mode,
 * docs/semantics-client.md §3.1), at numbers below its own. */
const KindDecoder kIommufdDecoder{&kIommufdIoctls, decode_iommufd_own, &kContainerDecoder};
const KindDecoder kDmaBufDecoder{&kDmaBufIoctls, decode_dmabuf, nullptr};

namespace {

/* The decoder of `kind`; for an fd of unknown kind, the one kind that
 * knows `request`, or none when several do (a guess would be the very
 * misnaming the kinds are here to prevent). */
const KindDecoder *decoder_for(TraceFdKind kind, unsigned long request)
{
	switch (kind) {
	case TraceFdKind::Container:
		return &kContainerDecoder;
	case TraceFdKind::Group:
		return &kGroupDecoder;
	case TraceFdKind::Device:
		return &kDeviceDecoder;
	case TraceFdKind::Iommufd:
		return &kIommufdDecoder;
	case TraceFdKind::DmaBuf:
		return &kDmaBufDecoder;
	case TraceFdKind::Eventfd:
		return nullptr;   /* an eventfd has no ioctls of these families */
	case TraceFdKind::Unknown:
		break;
	}
	/* iommufd's own table only: the container's commands it also takes
	 * do not make it a second owner of their numbers. */
	const KindDecoder *found = nullptr;
	for (const KindDecoder *d : {&kContainerDecoder, &kGroupDecoder, &kDeviceDecoder, &kIommufdDecoder, &kDmaBufDecoder})
		if (lookup(request, *d->names)) {
			if (found)
				return nullptr;
			found = d;
		}
	return found;
}

} /* namespace */

} /* namespace trace_detail */

using namespace trace_detail;

std::string ioctl_name(TraceFdKind kind, unsigned long request)
{
	for (const KindDecoder *d = decoder_for(kind, request); d; d = d->also)
		if (const char *n = lookup(request, *d->names))
			return n;
	return "_IOC(" + hex_text(_IOC_DIR(request)) + ", " + hex_text(_IOC_TYPE(request)) + ", " + hex_text(_IOC_NR(request)) + ", " +
	       hex_text(_IOC_SIZE(request)) + ")";
}

TraceArg decode_ioctl_arg(TraceFdKind kind, unsigned long request, uintptr_t arg, long result)
{
	t_result = result;
	/* A struct that cannot be read shows as its address (read_struct). */
	for (const KindDecoder *d = decoder_for(kind, request); d; d = d->also)
		if (auto decoded = d->decode(request, arg))
			return *decoded;
	return pointer(arg);
}

} /* namespace softvfio::shim */
