/* SPDX-License-Identifier: MIT */
/*
 * Type1Iommu: vfio_iommu_type1 behind a container with VFIO_SET_IOMMU
 * done: MAP_DMA, UNMAP_DMA, GET_INFO, DIRTY_PAGES, CHECK_EXTENSION.
 *
 * Mappings live in an IoPageTable that every device of every group in the
 * container translates through (one domain: the software IOMMU is the same
 * for all). Mapping pins nothing: the range is checked as
 * pin_user_pages() would check it (user_pin.h), and DMA copies through the
 * process address at transfer time.
 *
 * Two rule sets (the kernel version is not a profile matter for devices,
 * but type1 changed under them): 6.12 answers a wrapping range with
 * EINVAL after the flag checks; current kernels check size 0 and wrap
 * first and answer EOVERFLOW; 6.12 still answered VFIO_TYPE1_NESTING_IOMMU.
 */
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <softvfio/profile.h>

#include "iommu/io_page_table.h"

namespace softvfio::mm {
class Mm;
}

struct vfio_iommu_type1_dma_map;
struct vfio_iommu_type1_dma_unmap;
struct vfio_bitmap;

namespace softvfio::vfio {

struct Type1Rules {
	bool overflow_errno = true;     /* wrap: EOVERFLOW (else EINVAL, old order) */
	bool nesting_extension = false; /* VFIO_TYPE1_NESTING_IOMMU answered 1 */
};

/* The rules of the kernel a profile stands for. */
Type1Rules type1_rules(ProfileId kernel);

/* The dirty-bitmap descriptor checks UNMAP_DMA and DIRTY_PAGES share: the
 * buffer is user memory and holds a bit per page of `size` bytes (EINVAL
 * otherwise). */
Result<void> type1_verify_bitmap(const vfio_bitmap &bitmap, uint64_t size);

class Type1Iommu
{
public:
	Type1Iommu(bool v2, unsigned dma_entry_limit, Type1Rules rules, mm::Mm &mm);

	/* VFIO_CHECK_EXTENSION as type1 answers it; `iommu` null while no
	 * container has it set (DMA_CC then 0). */
	static long check_extension(const Type1Rules &rules, const Type1Iommu *iommu, unsigned long arg);

	/* The container's ioctls once type1 is its driver; ENOTTY otherwise. */
	long ioctl(unsigned int cmd, uintptr_t arg);

	const std::shared_ptr<IoPageTable> &table() const { return table_; }
	/* The last group left the domain: every mapping goes. */
	void unmap_all();

private:
	long get_info(uintptr_t arg);
	long map_dma(uintptr_t arg);
	long unmap_dma(uintptr_t arg);
	long dirty_pages(uintptr_t arg);
	long get_dirty_bitmap(uintptr_t arg, size_t data_size);

	Result<void> map_arg_checks(const vfio_iommu_type1_dma_map &map, unsigned prot);
	Result<void> map_locked(const vfio_iommu_type1_dma_map &map, unsigned prot);
	Result<void> set_vaddr_locked(const vfio_iommu_type1_dma_map &map);
	Result<uint64_t> unmap_locked(const vfio_iommu_type1_dma_unmap &unmap, const vfio_bitmap *bitmap);
	Result<void> unmap_range_checks(uint64_t iova, uint64_t size, bool all);
	Result<uint64_t> invalidate_vaddr_locked(const std::vector<IoMapping> &victims);
	Result<void> report_dirty(uint64_t bitmap_addr, const IoMapping &m, uint64_t base_iova);
	bool iova_valid(uint64_t first, uint64_t last) const;

	std::mutex lock_;
	const bool v2_;
	const Type1Rules rules_;
	mm::Mm &mm_;
	unsigned dma_avail_;
	bool dirty_tracking_ = false;
	std::shared_ptr<IoPageTable> table_ = std::make_shared<IoPageTable>();
};

} /* namespace softvfio::vfio */
