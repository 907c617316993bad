/* SPDX-License-Identifier: MIT */
/*
 * client::DmaMapping: process memory made visible to the device at an IOVA,
 * on the container (type1: VFIO_IOMMU_MAP_DMA) or the IOAS (iommufd:
 * IOMMU_IOAS_MAP) the device was opened with; unmapped on destruction.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include <softvfio/client/fwd.h>
#include <softvfio/client/result.h>

namespace softvfio::client {

enum class DmaDir : uint32_t {
	ToDevice = 1,       /* the device may read */
	FromDevice = 2,     /* the device may write */
	Bidirectional = 3,
};

class DmaMapping
{
public:
	DmaMapping() = default;
	DmaMapping(DmaMapping &&other) noexcept;
	DmaMapping &operator=(DmaMapping &&other) noexcept;
	DmaMapping(const DmaMapping &) = delete;
	DmaMapping &operator=(const DmaMapping &) = delete;
	~DmaMapping();

	bool valid() const { return size_ != 0; }
	uint64_t iova() const { return iova_; }
	size_t size() const { return size_; }
	void *vaddr() const { return vaddr_; }

	/* Unmap now: VFIO_IOMMU_UNMAP_DMA / IOMMU_IOAS_UNMAP's errno
	 * (ENOENT: already gone). */
	Result<void> unmap();

	/* Internal: built by Device::map_dma. */
	DmaMapping(std::shared_ptr<detail::DeviceHandle> device, void *vaddr, size_t size, uint64_t iova);

private:
	std::shared_ptr<detail::DeviceHandle> device_;
	void *vaddr_ = nullptr;
	size_t size_ = 0;
	uint64_t iova_ = 0;
};

} /* namespace softvfio::client */
