/* SPDX-License-Identifier: MIT */
#include "iommu/dma_translation.h"

#include <cerrno>

namespace softvfio::vfio {

/* The old table reference is dropped after unlocking: it may be the last. */
void IommuDmaPort::attach(std::shared_ptr<IoPageTable> table)
{
	std::unique_lock guard(lock_);
	std::swap(table_, table);
	guard.unlock();
}

void IommuDmaPort::detach()
{
	attach(nullptr);
}

bool IommuDmaPort::attached() const
{
	std::lock_guard guard(lock_);
	return table_ != nullptr;
}

bool IommuDmaPort::attached_to(const IoPageTable *table) const
{
	std::lock_guard guard(lock_);
	return table_ && table_.get() == table;
}

Result<void> IommuDmaPort::transfer(uint64_t iova, void *buf, size_t len, bool write)
{
	Result<void> r = err(EFAULT);
	{
		std::lock_guard guard(lock_);
		if (table_)
			r = table_->dma(iova, buf, len, write);
	}
	if (!r)
		faults_++;
	return r;
}

Result<void> IommuDmaPort::dma_read(uint64_t iova, void *dst, size_t len)
{
	return transfer(iova, dst, len, false);
}

Result<void> IommuDmaPort::dma_write(uint64_t iova, const void *src, size_t len)
{
	return transfer(iova, const_cast<void *>(src), len, true);
}

} /* namespace softvfio::vfio */
