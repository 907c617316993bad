/* SPDX-License-Identifier: MIT */
/*
 * Type1: CHECK_EXTENSION, GET_INFO with its capability chain, and
 * DIRTY_PAGES as type1 answers them for devices that cannot report their
 * own dirtying (every physical group): all mapped pages are dirty.
 */
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

#include <softvfio/uapi/vfio.h>

#include "base/user_copy.h"
#include "iommu/type1/type1.h"
#include "vfio/info_caps.h"
#include "vfio/platform.h"
#include "vfio/struct_copy.h"

namespace softvfio::vfio {

namespace {

/* One bit per page up to INT_MAX pages, in bytes (DIRTY_BITMAP_SIZE_MAX). */
constexpr uint64_t kDirtyBitmapSizeMax = ((uint64_t(INT32_MAX) + 63) & ~uint64_t(63)) / 8;
/* The top of x86-64 user space (TASK_SIZE_MAX, 4-level paging). */
constexpr uint64_t kTaskSizeMax = 0x00007ffffffff000ull;

uint64_t bitmap_bytes(uint64_t npages) { return ((npages + 63) & ~uint64_t(63)) / 8; }

unsigned lowest_bit(uint64_t v) { return v ? static_cast<unsigned>(__builtin_ctzll(v)) : 0; }

void add_iova_ranges(InfoCaps &caps)
{
	const vfio_iova_range ranges[] = {{0, platform::kMsiStart - 1},
					  {platform::kMsiLast + 1, platform::kApertureEnd}};
	size_t size = sizeof(vfio_iommu_type1_info_cap_iova_range) + sizeof(ranges);
	uint8_t *cap = caps.add(size, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1);
	uint32_t nr = 2;
	std::memcpy(cap + offsetof(vfio_iommu_type1_info_cap_iova_range, nr_iovas), &nr, sizeof(nr));
	std::memcpy(cap + sizeof(vfio_iommu_type1_info_cap_iova_range), ranges, sizeof(ranges));
}

void add_migration(InfoCaps &caps)
{
	uint8_t *cap = caps.add(sizeof(vfio_iommu_type1_info_cap_migration), VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, 1);
	uint64_t pgsizes = platform::kPageSize;
	uint64_t max = kDirtyBitmapSizeMax;
	std::memcpy(cap + offsetof(vfio_iommu_type1_info_cap_migration, pgsize_bitmap), &pgsizes, 8);
	std::memcpy(cap + offsetof(vfio_iommu_type1_info_cap_migration, max_dirty_bitmap_size), &max, 8);
}

void add_dma_avail(InfoCaps &caps, uint32_t avail)
{
	uint8_t *cap = caps.add(sizeof(vfio_iommu_type1_info_dma_avail), VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 1);
	std::memcpy(cap + offsetof(vfio_iommu_type1_info_dma_avail, avail), &avail, sizeof(avail));
}

} /* namespace */

long Type1Iommu::check_extension(const Type1Rules &rules, const Type1Iommu *iommu, unsigned long arg)
{
	switch (arg) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_UPDATE_VADDR:
		/* type1 answers for a container with an IOMMU only (it would
		 * also refuse with emulated groups, which the model has not):
		 * 0 on a fresh container, as observed on 6.12. */
		return iommu ? 1 : 0;
	case VFIO_TYPE1_NESTING_IOMMU:
		return rules.nesting_extension ? 1 : 0;
	case VFIO_DMA_CC_IOMMU:
		/* The software IOMMU always enforces coherency, but only a
		 * container with domains can say so. */
		return iommu ? 1 : 0;
	default:
		return 0;
	}
}

/* Capabilities in type1's order: migration, DMA entries left, IOVA ranges
 * (with intel-iommu's MSI hole: the observed 120-byte argsz). */
long Type1Iommu::get_info(uintptr_t arg)
{
	constexpr size_t minsz = offsetof(vfio_iommu_type1_info, iova_pgsizes) + sizeof(__u64);
	constexpr size_t capsz = offsetof(vfio_iommu_type1_info, cap_offset) + sizeof(__u32);
	vfio_iommu_type1_info info{};
	if (int r = copy_argsz_head(info, arg, minsz))
		return r;
	size_t outsz = info.argsz >= capsz ? capsz : minsz;
	info.cap_offset = 0;
	InfoCaps caps;
	{
		std::lock_guard guard(lock_);
		info.flags = VFIO_IOMMU_INFO_PGSIZES;
		info.iova_pgsizes = platform::kIommuPgsizes;
		add_migration(caps);
		add_dma_avail(caps, dma_avail_);
		add_iova_ranges(caps);
	}
	uint32_t cap_offset = 0;
	if (auto placed = caps.place(user_ptr(arg), sizeof(info), info.argsz, info.flags, cap_offset, VFIO_IOMMU_INFO_CAPS);
	    !placed)
		return -placed.error();
	if (outsz == capsz)
		info.cap_offset = cap_offset;
	return copy_to_user(user_ptr(arg), &info, outsz) ? 0 : -EFAULT;
}

Result<void> type1_verify_bitmap(const vfio_bitmap &bitmap, uint64_t size)
{
	auto data = reinterpret_cast<uint64_t>(bitmap.data);
	if (data + bitmap.size < data || data + bitmap.size > kTaskSizeMax)
		return err(EINVAL);
	uint64_t npages = size >> lowest_bit(bitmap.pgsize);
	if (!npages || !bitmap.size || bitmap.size > kDirtyBitmapSizeMax || bitmap.size < bitmap_bytes(npages))
		return err(EINVAL);
	return {};
}

/* Set the bits of `m`'s pages in the user's bitmap, which starts at
 * `base_iova`, keeping the bits already there. */
Result<void> Type1Iommu::report_dirty(uint64_t bitmap_addr, const IoMapping &m, uint64_t base_iova)
{
	const unsigned shift = lowest_bit(platform::kPageSize);
	uint64_t first_bit = (m.iova - base_iova) >> shift;
	uint64_t nbits = m.length >> shift;
	for (uint64_t word = first_bit / 64; word <= (first_bit + nbits - 1) / 64; word++) {
		auto *user = reinterpret_cast<uint64_t *>(bitmap_addr) + word;
		uint64_t value;
		SVFIO_TRY(copy_from_user(&value, user, sizeof(value)));
		for (unsigned b = 0; b < 64; b++) {
			uint64_t bit = word * 64 + b;
			if (bit >= first_bit && bit < first_bit + nbits)
				value |= uint64_t(1) << b;
		}
		SVFIO_TRY(copy_to_user(user, &value, sizeof(value)));
	}
	return {};
}

long Type1Iommu::dirty_pages(uintptr_t arg)
{
	constexpr size_t minsz = offsetof(vfio_iommu_type1_dirty_bitmap, flags) + sizeof(__u32);
	constexpr uint32_t mask = VFIO_IOMMU_DIRTY_PAGES_FLAG_START | VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP |
				  VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	if (!v2_)
		return -EACCES;
	vfio_iommu_type1_dirty_bitmap dirty{};
	if (int r = copy_argsz_head(dirty, arg, minsz))
		return r;
	if ((dirty.flags & ~mask) || __builtin_popcount(dirty.flags) != 1)
		return -EINVAL;
	if (dirty.flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_START) {
		std::lock_guard guard(lock_);
		dirty_tracking_ = true;
		return 0;
	}
	if (dirty.flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP) {
		std::lock_guard guard(lock_);
		dirty_tracking_ = false;
		return 0;
	}
	return get_dirty_bitmap(arg, dirty.argsz - minsz);
}

long Type1Iommu::get_dirty_bitmap(uintptr_t arg, size_t data_size)
{
	constexpr size_t minsz = offsetof(vfio_iommu_type1_dirty_bitmap, data);
	vfio_iommu_type1_dirty_bitmap_get range{};
	if (data_size < sizeof(range))
		return -EINVAL;
	if (!copy_from_user(&range, static_cast<uint8_t *>(user_ptr(arg)) + minsz, sizeof(range)))
		return -EFAULT;
	if (rules_.overflow_errno) {
		if (!range.size)
			return -EINVAL;
		if (range.iova + (range.size - 1) < range.iova)
			return -EOVERFLOW;
	} else if (range.iova + range.size < range.iova) {
		return -EINVAL;
	}
	if (auto r = type1_verify_bitmap(range.bitmap, range.size); !r)
		return -r.error();
	std::lock_guard guard(lock_);
	const uint64_t pgsize = platform::kPageSize;
	if (range.bitmap.pgsize != pgsize || (range.iova & (pgsize - 1)) || !range.size ||
	    (range.size & (pgsize - 1)) || !dirty_tracking_)
		return -EINVAL;
	uint64_t last = range.iova + range.size - 1;
	auto at_first = table_->find(range.iova);
	auto at_last = table_->find(last);
	if ((at_first && at_first->iova != range.iova) || (at_last && at_last->last() != last))
		return -EINVAL;
	for (const IoMapping &m : table_->overlapping(range.iova, last))
		if (auto r = report_dirty(reinterpret_cast<uint64_t>(range.bitmap.data), m, range.iova); !r)
			return -r.error();
	return 0;
}

} /* namespace softvfio::vfio */
