/* SPDX-License-Identifier: MIT */
/* Device: BAR windows (classic and write-combining), DMABUF export,
 * interrupts and DMA mappings. */
#include <cerrno>
#include <cstring>
#include <sys/eventfd.h>
#include <unistd.h>
#include <vector>

#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

#include "client/device_handle.h"

namespace softvfio::client {

namespace {

/* Errnos that mean "this kernel cannot give you that window this way". */
bool no_such_path(int code) { return code == ENOTTY || code == EOPNOTSUPP || code == EINVAL; }

} /* namespace */

Result<Mapping> Device::map_bar(unsigned bar, uint64_t offset, size_t length, int prot)
{
	auto info = region(bar);
	if (!info)
		return info.error();
	Backend &b = *handle_->backend;
	long addr = b.mmap(nullptr, length, prot, MAP_SHARED, handle_->device_fd, info->offset + offset);
	if (addr < 0)
		return fail(static_cast<int>(-addr), "mmap BAR " + std::to_string(bar));
	Mapping::Parts parts;
	parts.backend = handle_->backend;
	parts.addr = reinterpret_cast<void *>(addr);
	parts.size = length;
	parts.offset = info->offset + offset;
	parts.bar = static_cast<int>(bar);
	parts.kind = MappingKind::DeviceFd;
	parts.memattr = MemAttr::NC;
	parts.device = handle_;
	return Mapping(std::move(parts));
}

Result<Mapping> Device::map_bar_wc(unsigned bar, uint64_t offset, size_t length)
{
	const Features &f = handle_->features;
	if (f.dma_buf && f.dma_buf_mmap && f.memattr != Features::Memattr::None) {
		BarRange range{offset, length};
		auto buf = export_dma_buf(bar, std::span<const BarRange>(&range, 1));
		if (buf) {
			auto attr = buf->set_memattr(MemAttr::WC);
			if (!attr && !no_such_path(attr.code()))
				return attr.error();
			if (attr) {
				auto map = buf->map(0, length);
				if (map || !no_such_path(map.code()))
					return map;
			}
		} else if (!no_such_path(buf.code())) {
			return buf.error();
		}
	}
	return map_bar(bar, offset, length);
}

Result<DmaBuf> Device::export_dma_buf(unsigned bar, std::span<const BarRange> ranges, int open_flags)
{
	std::vector<uint8_t> payload(sizeof(vfio_device_feature_dma_buf) + ranges.size() * sizeof(vfio_region_dma_range));
	vfio_device_feature_dma_buf req{};
	req.region_index = bar;
	req.open_flags = static_cast<uint32_t>(open_flags);
	req.nr_ranges = static_cast<uint32_t>(ranges.size());
	std::memcpy(payload.data(), &req, sizeof(req));
	uint64_t total = 0;
	for (size_t i = 0; i < ranges.size(); i++) {
		vfio_region_dma_range r{ranges[i].offset, ranges[i].length};
		std::memcpy(payload.data() + sizeof(req) + i * sizeof(r), &r, sizeof(r));
		total += ranges[i].length;
	}
	auto fd = handle_->feature(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF, payload.data(), payload.size(),
				   "VFIO_DEVICE_FEATURE_DMA_BUF(BAR " + std::to_string(bar) + ")");
	if (!fd)
		return fd.error();
	DmaBuf::Parts parts;
	parts.backend = handle_->backend;
	parts.owner = handle_;
	parts.fd = static_cast<int>(*fd);
	parts.size = total;
	parts.bar = static_cast<int>(bar);
	return DmaBuf(std::move(parts));
}

Result<Irqs> Device::enable_irqs(IrqIndex index, uint32_t count)
{
	auto info = irq_info(index);
	if (!info)
		return info.error();
	if (count == 0)
		count = info->count;
	if (count == 0 || count > info->count)
		return fail(EINVAL, "enable_irqs: " + std::to_string(count) + " of " + std::to_string(info->count) + " vectors");
	std::vector<int> fds;
	for (uint32_t i = 0; i < count; i++) {
		int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fd < 0) {
			int e = errno;
			for (int f : fds)
				::close(f);
			return fail(e, "eventfd");
		}
		fds.push_back(fd);
	}
	std::vector<uint8_t> buf(sizeof(vfio_irq_set) + count * sizeof(int32_t));
	vfio_irq_set set{};
	set.argsz = static_cast<uint32_t>(buf.size());
	set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set.index = static_cast<uint32_t>(index);
	set.count = count;
	std::memcpy(buf.data(), &set, sizeof(set));
	std::memcpy(buf.data() + sizeof(set), fds.data(), count * sizeof(int32_t));
	auto r = handle_->ioctl(VFIO_DEVICE_SET_IRQS, buf.data(),
				"VFIO_DEVICE_SET_IRQS(" + std::to_string(set.index) + ")");
	if (!r) {
		for (int f : fds)
			::close(f);
		return r.error();
	}
	return Irqs(handle_, index, std::move(fds));
}

Result<DmaMapping> Device::map_dma(void *vaddr, size_t size, uint64_t iova, DmaDir dir)
{
	/* A no-IOMMU device has no translation to program: the kernel's
	 * noiommu container and cdev offer no map call, so say so here
	 * rather than send the request to an fd or IOAS that is not there. */
	if (handle_->noiommu)
		return fail(ENODEV, "map_dma: a no-IOMMU device has no DMA mappings");
	Backend &b = *handle_->backend;
	uint32_t d = static_cast<uint32_t>(dir);
	if (handle_->path == AccessPath::Cdev) {
		iommu_ioas_map map{};
		map.size = sizeof(map);
		map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | ((d & 1) ? IOMMU_IOAS_MAP_READABLE : 0) |
			    ((d & 2) ? IOMMU_IOAS_MAP_WRITEABLE : 0);
		map.ioas_id = handle_->ioas_id;
		map.user_va = reinterpret_cast<uintptr_t>(vaddr);
		map.length = size;
		map.iova = iova;
		if (long r = b.ioctl(handle_->iommufd, IOMMU_IOAS_MAP, &map); r < 0)
			return fail(static_cast<int>(-r), "IOMMU_IOAS_MAP");
	} else {
		vfio_iommu_type1_dma_map map{};
		map.argsz = sizeof(map);
		map.flags = ((d & 1) ? VFIO_DMA_MAP_FLAG_READ : 0) | ((d & 2) ? VFIO_DMA_MAP_FLAG_WRITE : 0);
		map.vaddr = reinterpret_cast<uintptr_t>(vaddr);
		map.iova = iova;
		map.size = size;
		if (long r = b.ioctl(handle_->container_fd, VFIO_IOMMU_MAP_DMA, &map); r < 0)
			return fail(static_cast<int>(-r), "VFIO_IOMMU_MAP_DMA");
	}
	return DmaMapping(handle_, vaddr, size, iova);
}

} /* namespace softvfio::client */
