/* SPDX-License-Identifier: MIT */
#include <softvfio/client/dma_buf.h>

#include <cerrno>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

#include "client/device_handle.h"

namespace softvfio::client {

DmaBuf::DmaBuf(Parts parts)
	: backend_(parts.backend), owner_(std::move(parts.owner)),
	  buffer_(std::make_shared<detail::FdBox>(std::move(parts.backend), parts.fd)), size_(parts.size),
	  bar_(parts.bar)
{
}

Result<DmaBuf> DmaBuf::adopt(std::shared_ptr<Backend> backend, int fd)
{
	long size = backend->lseek(fd, 0, SEEK_END);
	if (size < 0)
		return fail(static_cast<int>(-size), "lseek dma-buf");
	backend->lseek(fd, 0, SEEK_SET);
	Parts parts;
	parts.backend = std::move(backend);
	parts.fd = fd;
	parts.size = static_cast<uint64_t>(size);
	return DmaBuf(std::move(parts));
}

int DmaBuf::fd() const { return buffer_ ? buffer_->fd : kNoFd; }

Result<void> DmaBuf::set_memattr(MemAttr attr)
{
	auto dev = owner_.lock();
	if (!dev || !buffer_)
		return fail(ENODEV, "set_memattr: the device is closed");
	vfio_device_feature_dma_buf_memattr req{buffer_->fd, static_cast<uint32_t>(attr)};
	uint32_t index = dev->features.memattr == Features::Memattr::Feature13
				 ? SOFTVFIO_SERIES_V2_FEATURE_DMA_BUF_MEMATTR
				 : VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR;
	auto r = dev->feature(VFIO_DEVICE_FEATURE_SET | index, &req, sizeof(req), "VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR");
	if (!r)
		return r.error();
	memattr_ = attr;
	return {};
}

Result<void> DmaBuf::revoke()
{
	auto dev = owner_.lock();
	if (!dev || !buffer_)
		return fail(ENODEV, "revoke: the device is closed");
	if (dev->features.revoke == Features::Revoke::Ioctl122) {
		vfio_pci_dmabuf_revoke req{sizeof(req), buffer_->fd};
		if (auto r = dev->ioctl(VFIO_DEVICE_PCI_DMABUF_REVOKE, &req, "VFIO_DEVICE_PCI_DMABUF_REVOKE"); !r)
			return r.error();
		return {};
	}
	/* Feature 13, or (no REVOKE probed) whatever this kernel answers. */
	vfio_device_feature_dma_buf_revoke req{buffer_->fd};
	auto r = dev->feature(VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE, &req, sizeof(req),
			      "VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE");
	if (!r)
		return r.error();
	return {};
}

Result<Mapping> DmaBuf::map(uint64_t offset, size_t length, int prot) const
{
	if (!buffer_)
		return fail(EBADF, "map: no buffer");
	if (length == 0)
		length = offset < size_ ? size_ - offset : 0;
	long addr = backend_->mmap(nullptr, length, prot, MAP_SHARED, buffer_->fd, offset);
	if (addr < 0)
		return fail(static_cast<int>(-addr), "mmap dma-buf");
	Mapping::Parts parts;
	parts.backend = backend_;
	parts.addr = reinterpret_cast<void *>(addr);
	parts.size = length;
	parts.offset = offset;
	parts.bar = bar_;
	parts.kind = MappingKind::DmaBuf;
	parts.memattr = memattr_;
	parts.owner = owner_;
	parts.buffer = buffer_;
	return Mapping(std::move(parts));
}

Result<int> DmaBuf::dup_fd() const
{
	if (!buffer_)
		return fail(EBADF, "dup: no buffer");
	long fd = backend_->dup(buffer_->fd);
	if (fd < 0)
		return fail(static_cast<int>(-fd), "dup dma-buf");
	return static_cast<int>(fd);
}

} /* namespace softvfio::client */
