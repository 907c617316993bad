/* SPDX-License-Identifier: MIT */
#include <softvfio/client/mapping.h>

#include <cerrno>
#include <sys/mman.h>

#include "client/device_handle.h"

namespace softvfio::client {

namespace {

constexpr size_t kProbeLength = 4096;

/* Would the buffer accept a new mapping? The series' DMABUF mmap refuses
 * revoked and cleaned-up buffers (ENODEV) before mapping anything, so a
 * PROT_NONE probe of one page answers without touching memory. */
bool buffer_mappable(Backend &backend, int fd)
{
	long addr = backend.mmap(nullptr, kProbeLength, PROT_NONE, MAP_SHARED, fd, 0);
	if (addr < 0)
		return false;
	backend.munmap(reinterpret_cast<void *>(addr), kProbeLength);
	return true;
}

} /* namespace */

Mapping::Mapping(Parts parts)
	: backend_(std::move(parts.backend)), addr_(parts.addr), size_(parts.size), offset_(parts.offset),
	  bar_(parts.bar), kind_(parts.kind), memattr_(parts.memattr), device_(std::move(parts.device)),
	  owner_(std::move(parts.owner)), buffer_(std::move(parts.buffer))
{
}

Mapping::Mapping(Mapping &&other) noexcept { *this = std::move(other); }

Mapping &Mapping::operator=(Mapping &&other) noexcept
{
	if (this == &other)
		return *this;
	reset();
	backend_ = std::move(other.backend_);
	addr_ = std::exchange(other.addr_, nullptr);
	size_ = std::exchange(other.size_, 0);
	offset_ = other.offset_;
	bar_ = other.bar_;
	kind_ = other.kind_;
	memattr_ = other.memattr_;
	device_ = std::move(other.device_);
	owner_ = std::move(other.owner_);
	buffer_ = std::move(other.buffer_);
	return *this;
}

Mapping::~Mapping() { reset(); }

void Mapping::reset() { (void)unmap(); }

Result<void> Mapping::unmap()
{
	if (!addr_)
		return {};
	long r = backend_->munmap(std::exchange(addr_, nullptr), std::exchange(size_, 0));
	/* The device and buffer references go after the munmap, as the
	 * kernel's VMA drops its file last. */
	device_.reset();
	buffer_.reset();
	owner_.reset();
	if (r < 0)
		return fail(static_cast<int>(-r), "munmap");
	return {};
}

bool Mapping::accessible() const
{
	if (!addr_)
		return false;
	if (kind_ == MappingKind::DmaBuf) {
		if (!buffer_ || !buffer_mappable(*backend_, buffer_->fd))
			return false;
		auto owner = owner_.lock();
		return !owner || owner->memory_accessible();
	}
	return device_ && device_->memory_accessible();
}

Result<void> Mapping::read(size_t offset, void *dst, size_t n, Fault *fault) const
{
	if (!addr_ || offset > size_ || n > size_ - offset)
		return fail(EINVAL, "Mapping::read beyond the window");
	return safe_copy(dst, static_cast<const uint8_t *>(addr_) + offset, n, fault);
}

Result<void> Mapping::write(size_t offset, const void *src, size_t n, Fault *fault)
{
	if (!addr_ || offset > size_ || n > size_ - offset)
		return fail(EINVAL, "Mapping::write beyond the window");
	return safe_copy(static_cast<uint8_t *>(addr_) + offset, src, n, fault);
}

} /* namespace softvfio::client */
