/* SPDX-License-Identifier: MIT */
#include <softvfio/client/dma_mapping.h>

#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

#include "client/device_handle.h"

namespace softvfio::client {

DmaMapping::DmaMapping(std::shared_ptr<detail::DeviceHandle> device, void *vaddr, size_t size, uint64_t iova)
	: device_(std::move(device)), vaddr_(vaddr), size_(size), iova_(iova)
{
}

DmaMapping::DmaMapping(DmaMapping &&other) noexcept
	: device_(std::move(other.device_)), vaddr_(other.vaddr_), size_(std::exchange(other.size_, 0)),
	  iova_(other.iova_)
{
}

DmaMapping &DmaMapping::operator=(DmaMapping &&other) noexcept
{
	if (this != &other) {
		(void)unmap();
		device_ = std::move(other.device_);
		vaddr_ = other.vaddr_;
		size_ = std::exchange(other.size_, 0);
		iova_ = other.iova_;
	}
	return *this;
}

DmaMapping::~DmaMapping() { (void)unmap(); }

Result<void> DmaMapping::unmap()
{
	if (!size_ || !device_)
		return {};
	size_t size = std::exchange(size_, 0);
	Backend &b = *device_->backend;
	long r;
	const char *what;
	if (device_->path == AccessPath::Cdev) {
		iommu_ioas_unmap unmap{};
		unmap.size = sizeof(unmap);
		unmap.ioas_id = device_->ioas_id;
		unmap.iova = iova_;
		unmap.length = size;
		r = b.ioctl(device_->iommufd, IOMMU_IOAS_UNMAP, &unmap);
		what = "IOMMU_IOAS_UNMAP";
	} else {
		vfio_iommu_type1_dma_unmap unmap{};
		unmap.argsz = sizeof(unmap);
		unmap.iova = iova_;
		unmap.size = size;
		r = b.ioctl(device_->container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
		what = "VFIO_IOMMU_UNMAP_DMA";
	}
	device_.reset();
	if (r < 0)
		return fail(static_cast<int>(-r), what);
	return {};
}

} /* namespace softvfio::client */
