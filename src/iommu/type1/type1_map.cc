/* SPDX-License-Identifier: MIT */
/*
 * Type1: MAP_DMA and UNMAP_DMA, in vfio_dma_do_map()/do_unmap()'s order of
 * checks.
 */
#include <cerrno>
#include <cstddef>

#include <softvfio/uapi/vfio.h>

#include "base/fault_injection.h"
#include "base/host_process.h"
#include "base/user_copy.h"
#include "iommu/type1/type1.h"
#include "iommu/user_pin.h"
#include "vfio/call_context.h"
#include "vfio/platform.h"
#include "vfio/struct_copy.h"

namespace softvfio::vfio {

namespace {

constexpr uint64_t kPgMask = platform::kPageSize - 1;

bool wraps(uint64_t start, uint64_t size) { return start + (size - 1) < start; }

} /* namespace */

Type1Rules type1_rules(ProfileId kernel)
{
	Type1Rules r;
	r.overflow_errno = kernel != ProfileId::Linux612;
	r.nesting_extension = kernel == ProfileId::Linux612;
	return r;
}

Type1Iommu::Type1Iommu(bool v2, unsigned dma_entry_limit, Type1Rules rules, mm::Mm &mm)
	: v2_(v2), rules_(rules), mm_(mm), dma_avail_(dma_entry_limit)
{
}

void Type1Iommu::unmap_all()
{
	std::lock_guard guard(lock_);
	dma_avail_ += static_cast<unsigned>(table_->clear().size());
}

bool Type1Iommu::iova_valid(uint64_t first, uint64_t last) const
{
	return last <= platform::kMsiStart - 1 || (first > platform::kMsiLast && last <= platform::kApertureEnd);
}

/* The checks made before the container lock: current kernels look at size
 * 0 and wrap-around first; 6.12 only at the flags. */
Result<void> Type1Iommu::map_arg_checks(const vfio_iommu_type1_dma_map &map, unsigned prot)
{
	bool set_vaddr = map.flags & VFIO_DMA_MAP_FLAG_VADDR;
	if (rules_.overflow_errno) {
		if (!map.size)
			return err(EINVAL);
		if (wraps(map.iova, map.size) || wraps(map.vaddr, map.size))
			return err(EOVERFLOW);
	}
	if ((prot && set_vaddr) || (!prot && !set_vaddr))
		return err(EINVAL);
	return {};
}

Result<void> Type1Iommu::set_vaddr_locked(const vfio_iommu_type1_dma_map &map)
{
	auto hits = table_->overlapping(map.iova, map.iova + map.size - 1);
	if (hits.empty())
		return err(ENOENT);
	IoMapping m = hits.front();
	if (!m.vaddr_invalid || m.iova != map.iova || m.length != map.size)
		return err(EINVAL);
	m.backing.vaddr = map.vaddr;
	m.backing.owner = current_remote_host_ref();
	m.vaddr_invalid = false;
	table_->update(m);
	return {};
}

Result<void> Type1Iommu::map_locked(const vfio_iommu_type1_dma_map &map, unsigned prot)
{
	if (!rules_.overflow_errno && !map.size)
		return err(EINVAL);
	if ((map.size | map.iova | map.vaddr) & kPgMask)
		return err(EINVAL);
	if (!rules_.overflow_errno && (wraps(map.iova, map.size) || wraps(map.vaddr, map.size)))
		return err(EINVAL);
	if (map.flags & VFIO_DMA_MAP_FLAG_VADDR)
		return set_vaddr_locked(map);
	uint64_t last = map.iova + map.size - 1;
	if (!table_->overlapping(map.iova, last).empty())
		return err(EEXIST);
	if (!dma_avail_)
		return err(ENOSPC);
	if (!iova_valid(map.iova, last))
		return err(EINVAL);
	if (int e = fault_check(FaultPoint::IoMapAlloc))
		return err(e);
	SVFIO_TRY(pin_user_range(caller_mm(mm_), map.vaddr, map.size, prot & kIoWrite, PinMode::FollowPfnmap));
	IoMapping m;
	m.iova = map.iova;
	m.length = map.size;
	m.prot = prot;
	m.backing.vaddr = map.vaddr;
	m.backing.owner = current_remote_host_ref();
	table_->insert(std::move(m));
	dma_avail_--;
	return {};
}

long Type1Iommu::map_dma(uintptr_t arg)
{
	constexpr size_t minsz = offsetof(vfio_iommu_type1_dma_map, size) + sizeof(__u64);
	constexpr uint32_t mask = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE | VFIO_DMA_MAP_FLAG_VADDR;
	vfio_iommu_type1_dma_map map{};
	if (int r = copy_argsz_head(map, arg, minsz))
		return r;
	if ((map.flags & ~mask))
		return -EINVAL;
	unsigned prot = 0;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= kIoWrite;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= kIoRead;
	if (auto r = map_arg_checks(map, prot); !r)
		return -r.error();
	std::lock_guard guard(lock_);
	return to_syscall(map_locked(map, prot));
}

/* --- UNMAP_DMA --- */

Result<void> Type1Iommu::unmap_range_checks(uint64_t iova, uint64_t size, bool all)
{
	if (iova & kPgMask)
		return err(EINVAL);
	if (all)
		return (iova || size) ? err(EINVAL) : Result<void>{};
	if (!size || (size & kPgMask))
		return err(EINVAL);
	if (wraps(iova, size))
		return err(rules_.overflow_errno ? EOVERFLOW : EINVAL);
	return {};
}

/* UNMAP_FLAG_VADDR: the mappings stay, their process address goes stale.
 * One already stale undoes the whole call. */
Result<uint64_t> Type1Iommu::invalidate_vaddr_locked(const std::vector<IoMapping> &victims)
{
	for (const IoMapping &m : victims)
		if (m.vaddr_invalid)
			return err(EINVAL);
	uint64_t done = 0;
	for (IoMapping m : victims) {
		m.vaddr_invalid = true;
		table_->update(m);
		done += m.length;
	}
	return done;
}

Result<uint64_t> Type1Iommu::unmap_locked(const vfio_iommu_type1_dma_unmap &unmap, const vfio_bitmap *bitmap)
{
	bool all = unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL;
	SVFIO_TRY(unmap_range_checks(unmap.iova, unmap.size, all));
	if (bitmap && (!dirty_tracking_ || bitmap->pgsize != platform::kPageSize))
		return err(EINVAL);
	uint64_t first = unmap.iova;
	uint64_t last = all ? UINT64_MAX : unmap.iova + unmap.size - 1;
	/* v2: the range must not cut a mapping in two. */
	if (v2_ && !all) {
		auto at_first = table_->find(first);
		if (at_first && at_first->iova != first)
			return err(EINVAL);
		auto at_last = table_->find(last);
		if (at_last && at_last->last() != last)
			return err(EINVAL);
	}
	std::vector<IoMapping> victims;
	for (const IoMapping &m : table_->overlapping(first, last)) {
		/* v1: a mapping starting before the range stops the walk. */
		if (!v2_ && first > m.iova)
			break;
		victims.push_back(m);
	}
	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_VADDR)
		return invalidate_vaddr_locked(victims);
	uint64_t done = 0;
	std::vector<uint64_t> keys;
	for (const IoMapping &m : victims) {
		if (bitmap)
			SVFIO_TRY(report_dirty(reinterpret_cast<uint64_t>(bitmap->data), m, first));
		keys.push_back(m.iova);
		done += m.length;
	}
	table_->erase(keys);
	dma_avail_ += static_cast<unsigned>(keys.size());
	return done;
}

long Type1Iommu::unmap_dma(uintptr_t arg)
{
	constexpr size_t minsz = offsetof(vfio_iommu_type1_dma_unmap, size) + sizeof(__u64);
	constexpr uint32_t mask =
		VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | VFIO_DMA_UNMAP_FLAG_VADDR | VFIO_DMA_UNMAP_FLAG_ALL;
	vfio_iommu_type1_dma_unmap unmap{};
	if (int r = copy_argsz_head(unmap, arg, minsz))
		return r;
	if ((unmap.flags & ~mask))
		return -EINVAL;
	bool dirty = unmap.flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	if (dirty && (unmap.flags & (VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_VADDR)))
		return -EINVAL;
	vfio_bitmap bitmap{};
	if (dirty) {
		if (unmap.argsz < minsz + sizeof(bitmap))
			return -EINVAL;
		if (!copy_from_user(&bitmap, static_cast<uint8_t *>(user_ptr(arg)) + minsz, sizeof(bitmap)))
			return -EFAULT;
		if (auto r = type1_verify_bitmap(bitmap, unmap.size); !r)
			return -r.error();
	}
	Result<uint64_t> done = err(EINVAL);
	{
		std::lock_guard guard(lock_);
		done = unmap_locked(unmap, dirty ? &bitmap : nullptr);
	}
	if (!done)
		return -done.error();
	unmap.size = *done;
	return copy_to_user(user_ptr(arg), &unmap, minsz) ? 0 : -EFAULT;
}

long Type1Iommu::ioctl(unsigned int cmd, uintptr_t arg)
{
	switch (cmd) {
	case VFIO_CHECK_EXTENSION: return check_extension(rules_, this, arg);
	case VFIO_IOMMU_GET_INFO: return get_info(arg);
	case VFIO_IOMMU_MAP_DMA: return map_dma(arg);
	case VFIO_IOMMU_UNMAP_DMA: return unmap_dma(arg);
	case VFIO_IOMMU_DIRTY_PAGES: return dirty_pages(arg);
	default: return -ENOTTY;
	}
}

} /* namespace softvfio::vfio */
