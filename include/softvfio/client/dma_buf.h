/* SPDX-License-Identifier: MIT */
/*
 * client::DmaBuf: a DMABUF exported from BAR ranges of a device
 * (VFIO_DEVICE_FEATURE_DMA_BUF), closed on destruction.
 *
 * Like the kernel's buffer, it does not keep its device open: once the
 * device is closed, the buffer is cleaned up and revoke/set_memattr give
 * ENODEV.
 */
#pragma once

#include <cstdint>
#include <fcntl.h>
#include <memory>
#include <sys/mman.h>
#include <vector>

#include <softvfio/client/fwd.h>
#include <softvfio/client/mapping.h>
#include <softvfio/client/result.h>
#include <softvfio/client/uapi_values.h>

namespace softvfio::client {

/* One range of a BAR, in bytes (offset and length page-aligned). */
struct BarRange {
	uint64_t offset = 0;
	uint64_t length = 0;
};

class DmaBuf
{
public:
	DmaBuf() = default;
	DmaBuf(DmaBuf &&) noexcept = default;
	DmaBuf &operator=(DmaBuf &&) noexcept = default;
	~DmaBuf() = default;

	/*
	 * Adopt a dma-buf fd that came from elsewhere (another process over a
	 * unix socket, SCM_RIGHTS). The buffer's size is learnt with
	 * lseek(SEEK_END). It has no device here: revoke() and set_memattr()
	 * give ENODEV. Errors: EBADF, and lseek's errnos (ESPIPE, EINVAL: not
	 * a dma-buf).
	 */
	static Result<DmaBuf> adopt(std::shared_ptr<Backend> backend, int fd);

	bool valid() const { return buffer_ != nullptr; }
	int fd() const;
	uint64_t size() const { return size_; }
	int bar() const { return bar_; }
	/* The memory attribute future mappings get (set_memattr()). */
	MemAttr memattr() const { return memattr_; }

	/*
	 * Set the CPU memory attribute of future mappings: series-v4 feature
	 * 14, series-v2 feature 13 (SET). Errors: ENOTTY (the kernel has no
	 * MEMATTR), EOPNOTSUPP (no DMABUF support in the driver), ENOENT
	 * (series-v4: unknown attribute), kENOTSUPP (524, series-v2: unknown
	 * attribute), ENODEV (the device is closed or the buffer is not its),
	 * EBADF, EINVAL.
	 */
	Result<void> set_memattr(MemAttr attr);

	/*
	 * Revoke permanently: every mapping and import faults from now on,
	 * the fd stays valid. series-v4 feature 13 SET, series-v2 device ioctl
	 * 122. May block until importers let go. Errors: ENOTTY (no REVOKE),
	 * EOPNOTSUPP, ENODEV (device closed, or not this device's buffer),
	 * EBADFD (already revoked), EBADF, EINVAL.
	 */
	Result<void> revoke();

	/*
	 * Map [offset, offset + length) of the buffer (length 0: to the end),
	 * MAP_SHARED, with the attribute set last. Errors: EINVAL (window
	 * beyond the buffer, unaligned, or linux-6.19: DMABUFs cannot be
	 * mapped), ENODEV (revoked, temporarily or permanently, or cleaned
	 * up), EACCES (writable mapping of a read-only buffer).
	 */
	Result<Mapping> map(uint64_t offset = 0, size_t length = 0, int prot = PROT_READ | PROT_WRITE) const;

	/* A close-on-exec duplicate of the fd, owned by the caller (to pass
	 * with SCM_RIGHTS). Errors: EBADF, EMFILE. */
	Result<int> dup_fd() const;

	/* Internal: built by Device::export_dma_buf. */
	struct Parts {
		std::shared_ptr<Backend> backend;
		std::weak_ptr<detail::DeviceHandle> owner;
		int fd = kNoFd;
		uint64_t size = 0;
		int bar = kNoBar;
	};
	explicit DmaBuf(Parts parts);

private:
	std::shared_ptr<Backend> backend_;
	std::weak_ptr<detail::DeviceHandle> owner_;
	std::shared_ptr<detail::FdBox> buffer_;
	uint64_t size_ = 0;
	int bar_ = kNoBar;
	MemAttr memattr_ = MemAttr::NC;
};

} /* namespace softvfio::client */
