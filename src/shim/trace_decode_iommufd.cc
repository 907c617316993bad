/* SPDX-License-Identifier: MIT */
/*
 * The trace's ioctls of iommufd and dma-buf fds, and the choice of decoder
 * by the fd's kind (trace_decode.h: ioctl_name, decode_ioctl_arg).
 */
#include <softvfio/uapi/dma-buf.h>
#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>
#include <sys/ioctl.h>

#include "shim/trace_decode_util.h"

namespace softvfio::shim {

namespace trace_detail {

namespace {

#define NAME SOFTVFIO_TRACE_NAME

const Names kIommufdIoctls = {
	NAME(IOMMU_DESTROY),        NAME(IOMMU_IOAS_ALLOC),        NAME(IOMMU_IOAS_IOVA_RANGES), NAME(IOMMU_IOAS_ALLOW_IOVAS),
	NAME(IOMMU_IOAS_MAP),       NAME(IOMMU_IOAS_COPY),         NAME(IOMMU_IOAS_UNMAP),       NAME(IOMMU_OPTION),
	NAME(IOMMU_VFIO_IOAS),      NAME(IOMMU_HWPT_ALLOC),        NAME(IOMMU_GET_HW_INFO),      NAME(IOMMU_HWPT_INVALIDATE),
	NAME(IOMMU_FAULT_QUEUE_ALLOC), NAME(IOMMU_IOAS_MAP_FILE),
};
const Names kDmaBufIoctls = {
	NAME(DMA_BUF_IOCTL_SYNC), NAME(DMA_BUF_SET_NAME_A), NAME(DMA_BUF_SET_NAME_B),
	NAME(DMA_BUF_IOCTL_EXPORT_SYNC_FILE), NAME(DMA_BUF_IOCTL_IMPORT_SYNC_FILE),
};
/* MAP, MAP_FILE and COPY share these. */
const Names kIoasMapFlags = {NAME(IOMMU_IOAS_MAP_FIXED_IOVA), NAME(IOMMU_IOAS_MAP_WRITEABLE),
			     NAME(IOMMU_IOAS_MAP_READABLE)};
const Names kSyncFlags = {NAME(DMA_BUF_SYNC_READ), NAME(DMA_BUF_SYNC_WRITE), NAME(DMA_BUF_SYNC_END)};

#undef NAME

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
		if (auto s = read_struct<dma_buf_sync>(arg))
			return Fields().flags("flags", s->flags, kSyncFlags).done();
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

TraceArg decode_ioctl_arg(TraceFdKind kind, unsigned long request, uintptr_t arg)
{
	/* A struct that cannot be read shows as its address (read_struct). */
	for (const KindDecoder *d = decoder_for(kind, request); d; d = d->also)
		if (auto decoded = d->decode(request, arg))
			return *decoded;
	return pointer(arg);
}

} /* namespace softvfio::shim */
