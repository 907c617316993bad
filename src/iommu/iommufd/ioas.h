/* SPDX-License-Identifier: MIT */
/*
 * Ioas: an iommufd I/O address space (the kernel's io_pagetable).
 *
 * Areas map IOVA ranges to memory (a process VA, a memfd range, a vfio
 * DMABUF range) and live in the IOAS's IoPageTable, which every device
 * attached through a HWPT of this IOAS translates through: the software
 * IOMMU's domain is the IOAS itself.
 *
 * Without a domain the IOAS is a software table: alignment 1, the whole
 * 64-bit space usable, nothing pinned. The first domain (a HWPT) brings
 * the IOMMU's rules: 4 KiB alignment, the aperture, the pinning of every
 * area; each attached device reserves its MSI window. That is when areas
 * that cannot be pinned, are unaligned or lie outside make the attach
 * fail, as iopt_table_add_domain() does.
 *
 * Locking: lock_ serialises changes; the table has its own lock for DMA.
 */
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <softvfio/base/result.h>

#include "iommu/io_page_table.h"

namespace softvfio::mm {
class Mm;
}

namespace softvfio::vfio {

class DmabufImport;

struct IovaRange {
	uint64_t start;
	uint64_t last;   /* inclusive */
};

/* What an area is made of before it gets an IOVA. */
struct AreaSource {
	IoBacking backing;
	uint64_t length = 0;
	unsigned prot = 0;
	bool writable = true;        /* the pages may be mapped for writes */
	/* The address whose alignment the allocated IOVA keeps. */
	uint64_t align_hint = 0;
	std::shared_ptr<DmabufImport> import;   /* DMABUF areas */
};

class Ioas
{
public:
	explicit Ioas(mm::Mm &mm);
	~Ioas();

	const std::shared_ptr<IoPageTable> &table() const { return table_; }

	/* --- IOMMU_IOAS_IOVA_RANGES / ALLOW_IOVAS --- */
	std::vector<IovaRange> usable_ranges() const;
	uint64_t iova_alignment() const;
	Result<void> set_allowed(std::vector<IovaRange> allowed);

	/* --- MAP, MAP_FILE, COPY: the new area's IOVA --- */
	Result<uint64_t> map(const AreaSource &src, bool fixed, uint64_t iova);
	/* The areas covering [iova, iova + length) exactly and contiguously,
	 * as sources for a copy (ENOENT otherwise). */
	Result<std::vector<AreaSource>> pieces(uint64_t iova, uint64_t length) const;
	Result<uint64_t> map_pieces(const std::vector<AreaSource> &pieces, uint64_t length, unsigned prot, bool fixed,
				    uint64_t iova);

	/* --- UNMAP: bytes unmapped. Areas must be covered whole (ENOENT);
	 * imports no longer used are handed to `doomed` to drop unlocked. */
	Result<uint64_t> unmap(uint64_t first, uint64_t last, std::vector<std::shared_ptr<DmabufImport>> &doomed);
	bool has_user_areas() const;

	/* --- IOMMU_OPTION_HUGE_PAGES --- */
	bool large_pages() const;
	Result<void> set_large_pages(bool enable);

	/* --- domains and devices (HWPTs) --- */
	Result<void> add_domain();
	void remove_domain();
	/* A device attaches: its MSI window is reserved (EADDRINUSE). */
	Result<void> reserve_device(const void *dev);
	void unreserve_device(const void *dev);

private:
	std::vector<IovaRange> reserved_locked() const;
	uint64_t alignment_locked() const;
	Result<uint64_t> alloc_iova_locked(uint64_t length, uint64_t hint) const;
	Result<void> check_iova_locked(uint64_t iova, uint64_t length) const;
	Result<void> check_area_locked(const AreaSource &src) const;
	Result<void> pin_locked(const AreaSource &src) const;
	Result<uint64_t> insert_locked(const std::vector<AreaSource> &pieces, uint64_t length, unsigned prot,
				       bool fixed, uint64_t iova);

	mm::Mm &mm_;
	const std::shared_ptr<IoPageTable> table_ = std::make_shared<IoPageTable>();
	mutable std::mutex lock_;
	std::vector<IovaRange> allowed_;
	unsigned domains_ = 0;
	std::map<const void *, IovaRange> device_reserved_;
	bool disable_large_pages_ = false;
	/* Areas' writability and import, by area IOVA (the table keeps the
	 * translation only). */
	std::map<uint64_t, AreaSource> sources_;
};

} /* namespace softvfio::vfio */
