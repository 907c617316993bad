/* SPDX-License-Identifier: MIT */
#include <softvfio/client/mapping.h>

#include <cerrno>
#include <sys/mman.h>
#include <utility>

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

Mapping::Mapping(Parts parts) : p_(std::move(parts)) {}

Mapping::Mapping(Mapping &&other) noexcept { *this = std::move(other); }

/* The moved-from Mapping is left unmapped: Parts{} has no address. */
Mapping &Mapping::operator=(Mapping &&other) noexcept
{
	if (this == &other)
		return *this;
	reset();
	p_ = std::exchange(other.p_, Parts{});
	return *this;
}

Mapping::~Mapping() { reset(); }

void Mapping::reset() { (void)unmap(); }

Result<void> Mapping::unmap()
{
	if (!p_.addr)
		return {};
	long r = p_.backend->munmap(std::exchange(p_.addr, nullptr), std::exchange(p_.size, 0));
	/* The device and buffer references go after the munmap, as the
	 * kernel's VMA drops its file last. */
	p_.device.reset();
	p_.buffer.reset();
	p_.owner.reset();
	if (r < 0)
		return fail(static_cast<int>(-r), "munmap");
	return {};
}

bool Mapping::accessible() const
{
	if (!p_.addr)
		return false;
	if (p_.kind == MappingKind::DmaBuf) {
		if (!p_.buffer || !buffer_mappable(*p_.backend, p_.buffer->fd))
			return false;
		auto owner = p_.owner.lock();
		return !owner || owner->memory_accessible();
	}
	return p_.device && p_.device->memory_accessible();
}

Result<void> Mapping::read(size_t offset, void *dst, size_t n, Fault *fault) const
{
	if (!p_.addr || offset > p_.size || n > p_.size - offset)
		return fail(EINVAL, "Mapping::read beyond the window");
	return safe_copy(dst, static_cast<const uint8_t *>(p_.addr) + offset, n, fault);
}

Result<void> Mapping::write(size_t offset, const void *src, size_t n, Fault *fault)
{
	if (!p_.addr || offset > p_.size || n > p_.size - offset)
		return fail(EINVAL, "Mapping::write beyond the window");
	return safe_copy(static_cast<uint8_t *>(p_.addr) + offset, src, n, fault);
}

} /* namespace softvfio::client */
