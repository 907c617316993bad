/* SPDX-License-Identifier: MIT */
/*
 * /dev/iommu used as a VFIO container: the type1 ioctls on the context's
 * compatibility IOAS (iommufd's vfio_compat). No compatibility IOAS (no
 * group set to this iommufd, none chosen with IOMMU_VFIO_IOAS) is ENODEV.
 *
 * Differences from type1 a program can see: the DMA_AVAIL capability
 * comes first and says UINT32_MAX, there is no MIGRATION capability and
 * capabilities are packed (no 8-byte padding), mapping an mmapped BAR is
 * refused (EFAULT when pinned), UPDATE_VADDR and DIRTY_PAGES do not
 * exist, and TYPE1 is emulated by disabling large pages.
 */
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

#include <softvfio/uapi/vfio.h>

#include "base/host_process.h"
#include "base/user_copy.h"
#include "iommu/iommufd/iommufd_commands.h"
#include "vfio/platform.h"
#include "vfio/struct_copy.h"

namespace softvfio::vfio {

namespace {

using C = IommufdCommands;

std::shared_ptr<IoasObject> compat_ioas(IommufdCtx &ictx)
{
	auto id = ictx.compat_ioas_id();
	return id ? C::find_ioas(ictx, *id) : nullptr;
}

long check_extension(IommufdCtx &ictx, unsigned long type)
{
	switch (type) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_DMA_CC_IOMMU:
		/* Every HWPT of the software IOMMU enforces coherency. */
		return compat_ioas(ictx) ? 1 : -ENODEV;
	default:
		return 0;
	}
}

long set_iommu(IommufdCtx &ictx, unsigned long type)
{
	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU)
		return -EINVAL;
	auto ioas = compat_ioas(ictx);
	if (!ioas)
		return -ENODEV;
	if (type == VFIO_TYPE1_IOMMU)
		return to_syscall(ioas->ioas->set_large_pages(false));
	return 0;
}

/* The page sizes of the domains (any size without one), never below the
 * IOAS's alignment. */
uint64_t page_sizes(Ioas &ioas)
{
	uint64_t bitmap = ioas.iova_alignment() == 1 ? ~(platform::kPageSize - 1) : platform::kIommuPgsizes;
	return bitmap < ioas.iova_alignment() ? ioas.iova_alignment() : bitmap;
}

/* Each capability is written where it fits in the caller's argsz (so a
 * short buffer gets the ones that fit); the chain's size is returned. */
Result<size_t> fill_caps(Ioas &ioas, uint8_t *user, uint32_t argsz)
{
	const size_t base = sizeof(vfio_iommu_type1_info);
	auto room = [&](size_t at) { return argsz > at ? argsz - at : 0; };
	vfio_iommu_type1_info_dma_avail avail{};
	avail.header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
	avail.header.version = 1;
	avail.avail = UINT32_MAX;
	if (room(base) >= sizeof(avail))
		SVFIO_TRY(copy_to_user(user + base, &avail, sizeof(avail)));
	const size_t iova_at = base + sizeof(avail);
	if (argsz >= iova_at) {
		uint32_t next = static_cast<uint32_t>(iova_at);
		SVFIO_TRY(copy_to_user(user + base + offsetof(vfio_info_cap_header, next), &next, sizeof(next)));
	}
	auto ranges = ioas.usable_ranges();
	vfio_iommu_type1_info_cap_iova_range head{};
	head.header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
	head.header.version = 1;
	head.nr_iovas = static_cast<uint32_t>(ranges.size());
	for (size_t i = 0; i < ranges.size(); i++) {
		vfio_iova_range r{ranges[i].start, ranges[i].last};
		size_t end = sizeof(head) + (i + 1) * sizeof(r);
		if (room(iova_at) >= end)
			SVFIO_TRY(copy_to_user(user + iova_at + end - sizeof(r), &r, sizeof(r)));
	}
	size_t iova_size = sizeof(head) + ranges.size() * sizeof(vfio_iova_range);
	if (room(iova_at) >= iova_size)
		SVFIO_TRY(copy_to_user(user + iova_at, &head, sizeof(head)));
	return iova_at + iova_size;
}

long get_info(IommufdCtx &ictx, uintptr_t arg)
{
	constexpr size_t minsz = offsetof(vfio_iommu_type1_info, iova_pgsizes) + sizeof(__u64);
	vfio_iommu_type1_info info{};
	if (int r = copy_argsz_head(info, arg, minsz))
		return r;
	size_t outsz = info.argsz < sizeof(info) ? info.argsz : sizeof(info);
	auto ioas = compat_ioas(ictx);
	if (!ioas)
		return -ENODEV;
	info.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	info.iova_pgsizes = page_sizes(*ioas->ioas);
	info.cap_offset = 0;
	auto total = fill_caps(*ioas->ioas, static_cast<uint8_t *>(user_ptr(arg)), info.argsz);
	if (!total)
		return -total.error();
	if (info.argsz >= *total)
		info.cap_offset = sizeof(info);
	info.argsz = static_cast<uint32_t>(*total);
	return copy_to_user(user_ptr(arg), &info, outsz) ? 0 : -EFAULT;
}

long map_dma(IommufdCtx &ictx, uintptr_t arg)
{
	constexpr size_t minsz = offsetof(vfio_iommu_type1_dma_map, size) + sizeof(__u64);
	vfio_iommu_type1_dma_map map{};
	if (int r = copy_argsz_head(map, arg, minsz))
		return r;
	if ((map.flags & ~(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)))
		return -EINVAL;
	AreaSource src;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		src.prot |= kIoRead;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		src.prot |= kIoWrite;
	auto ioas = compat_ioas(ictx);
	if (!ioas)
		return -ENODEV;
	if (map.vaddr + map.size < map.vaddr)
		return -EOVERFLOW;
	if (map.size == 0 || map.size > UINT64_MAX - platform::kPageSize)
		return -EINVAL;
	src.backing.vaddr = map.vaddr;
	src.backing.owner = current_remote_host_ref();
	src.length = map.size;
	src.writable = src.prot & kIoWrite;
	src.align_hint = map.vaddr;
	auto iova = ioas->ioas->map(src, true, map.iova);
	return iova ? 0 : -iova.error();
}

long unmap_dma(IommufdCtx &ictx, uintptr_t arg)
{
	constexpr size_t minsz = offsetof(vfio_iommu_type1_dma_unmap, size) + sizeof(__u64);
	vfio_iommu_type1_dma_unmap unmap{};
	if (int r = copy_argsz_head(unmap, arg, minsz))
		return r;
	if ((unmap.flags & ~VFIO_DMA_UNMAP_FLAG_ALL))
		return -EINVAL;
	auto ioas = compat_ioas(ictx);
	if (!ioas)
		return -ENODEV;
	std::vector<std::shared_ptr<DmabufImport>> doomed;
	Result<uint64_t> done = err(EINVAL);
	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		if (unmap.iova || unmap.size)
			return -EINVAL;
		done = ioas->ioas->unmap(0, UINT64_MAX, doomed);
	} else if (!unmap.size) {
		done = err(EINVAL);
	} else if (unmap.iova + (unmap.size - 1) < unmap.iova) {
		done = err(EOVERFLOW);
	} else {
		done = ioas->ioas->unmap(unmap.iova, unmap.iova + unmap.size - 1, doomed);
	}
	unmap.size = done ? *done : 0;
	if (!copy_to_user(user_ptr(arg), &unmap, minsz))
		return -EFAULT;
	return done ? 0 : -done.error();
}

} /* namespace */

long IommufdCommands::compat(IommufdCtx &ictx, unsigned int cmd, uintptr_t arg)
{
	switch (cmd) {
	case VFIO_GET_API_VERSION: return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION: return check_extension(ictx, arg);
	case VFIO_SET_IOMMU: return set_iommu(ictx, arg);
	case VFIO_IOMMU_GET_INFO: return get_info(ictx, arg);
	case VFIO_IOMMU_MAP_DMA: return map_dma(ictx, arg);
	case VFIO_IOMMU_UNMAP_DMA: return unmap_dma(ictx, arg);
	default: return -ENOTTY;
	}
}

} /* namespace softvfio::vfio */
