/* SPDX-License-Identifier: MIT */
/*
 * IoPageTable: what one IOMMU domain translates, IOVA ranges to the memory
 * behind them, and bus-master DMA through it.
 *
 * Type1 containers and iommufd IOASes keep their mappings here; devices
 * attached to them reach memory only through it (dma_translation.h). A
 * mapping is backed either by the calling process's memory at a virtual
 * address (MAP_DMA, IOAS_MAP), or by a file (IOAS_MAP_FILE of a memfd, or
 * of a vfio DMABUF, whose bytes live in the exporting BAR's memfd).
 *
 * Locking: one shared_mutex; DMA holds it shared for the whole transfer,
 * so once a change returns no DMA still uses what it removed (the kernel's
 * IOTLB flush). Owners (type1, IOAS) serialise their own updates; the
 * table only stores and translates.
 */
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <vector>

#include <softvfio/base/result.h>
#include <softvfio/base/unique_fd.h>

namespace softvfio {
class HostProcess;
}

namespace softvfio::vfio {

/* The device's rights on a mapping (IOMMU_READ / IOMMU_WRITE). */
enum IoProt : unsigned { kIoRead = 1u << 0, kIoWrite = 1u << 1 };

struct IoBacking {
	enum class Kind : uint8_t { UserVa, File };
	Kind kind = Kind::UserVa;
	uint64_t vaddr = 0;                   /* UserVa: address of the first byte */
	/* UserVa: whose address it is, when not this process's (a process
	 * the session kernel serves; kept so DMA reaches it later). */
	std::shared_ptr<HostProcess> owner;
	std::shared_ptr<const UniqueFD> fd;   /* File: where the bytes live */
	uint64_t file_offset = 0;             /* File: offset of the first byte */

	/* The backing of the byte `offset` bytes further on. */
	IoBacking advanced(uint64_t offset) const;
};

struct IoMapping {
	uint64_t iova = 0;
	uint64_t length = 0;
	unsigned prot = 0;
	IoBacking backing;
	/* The exporter took the memory back (a revoked DMABUF): DMA faults. */
	bool revoked = false;
	/* type1 VFIO_DMA_UNMAP_FLAG_VADDR: the process address is stale. */
	bool vaddr_invalid = false;
	/* Who put it here, for revocation (a DMABUF import); never owned. */
	const void *owner = nullptr;

	uint64_t last() const { return iova + length - 1; }
};

class IoPageTable
{
public:
	/* Bus-master DMA of `len` bytes at `iova`. EFAULT (nothing copied)
	 * when any byte is unmapped, revoked or lacks the right; EFAULT also
	 * when the memory behind faults mid-copy (then part may be done). */
	Result<void> dma(uint64_t iova, void *buf, size_t len, bool write) const;

	/* Add a mapping; the caller has checked it overlaps nothing. */
	void insert(IoMapping mapping);
	/* Every mapping with a byte in [first, last], in IOVA order. */
	std::vector<IoMapping> overlapping(uint64_t first, uint64_t last) const;
	/* The mapping holding `iova`, if any. */
	std::optional<IoMapping> find(uint64_t iova) const;
	/* Remove the mappings starting at these IOVAs. */
	void erase(const std::vector<uint64_t> &iovas);
	/* Remove everything; returns what was there. */
	std::vector<IoMapping> clear();
	std::vector<IoMapping> all() const;
	size_t size() const;

	/* Mark every mapping of `owner` revoked. */
	void revoke_owner(const void *owner);
	/* Replace the mapping starting at `iova` (same range). */
	void update(const IoMapping &mapping);

private:
	/* The mapping holding `iova`, or end(); caller holds lock_. */
	std::map<uint64_t, IoMapping>::const_iterator holding(uint64_t iova) const;

	mutable std::shared_mutex lock_;
	std::map<uint64_t, IoMapping> map_;
};

} /* namespace softvfio::vfio */
