/* SPDX-License-Identifier: MIT */
/*
 * IommuDmaPort: a device's bus-master DMA as the IOMMU lets it through.
 *
 * Every VfioPciDevice owns one and gives it to its PCI function. It
 * translates through the IoPageTable of whatever the device is attached to
 * (a type1 container's domain, an iommufd IOAS through its HWPT) and reads
 * or writes the memory behind. Detached, or at an IOVA nothing maps, the
 * transfer does not happen and memory is untouched: the fault the real
 * IOMMU raises (a DMAR fault in the kernel log, §8.5) is counted instead.
 *
 * Locking: the function calls the port with its own lock held; the port
 * holds its lock for the whole transfer, so once detach() returns no DMA
 * through the old table is in flight. Order: function -> port -> table.
 */
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "iommu/io_page_table.h"
#include "pci/pci_function.h"

namespace softvfio::vfio {

class IommuDmaPort final : public pci::DmaPort
{
public:
	/* Translate through `table` from now on (replacing any other). */
	void attach(std::shared_ptr<IoPageTable> table);
	/* Back to blocking every transfer. */
	void detach();
	bool attached() const;
	/* Is the device attached to exactly this table? */
	bool attached_to(const IoPageTable *table) const;
	/* Transfers the IOMMU blocked. */
	uint64_t faults() const { return faults_.load(); }
	/* Kernel::reset_for_reuse(): a fresh device has seen none. */
	void reset_faults() { faults_ = 0; }

	Result<void> dma_read(uint64_t iova, void *dst, size_t len) override;
	Result<void> dma_write(uint64_t iova, const void *src, size_t len) override;

private:
	Result<void> transfer(uint64_t iova, void *buf, size_t len, bool write);

	mutable std::mutex lock_;
	std::shared_ptr<IoPageTable> table_;
	std::atomic<uint64_t> faults_{0};
};

} /* namespace softvfio::vfio */
