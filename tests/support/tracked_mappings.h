/* SPDX-License-Identifier: MIT */
/*
 * Mappings made through a Kernel's mmap entry point and remembered, so a
 * fixture can unmap whatever a test left mapped before it closes the fds
 * (closing first would keep the device busy behind a live VMA). The
 * vector-like track/forget calls let a test adopt a mapping it made by
 * hand, or take over unmapping itself.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/mman.h>
#include <utility>
#include <vector>

#include <softvfio/kernel.h>

namespace softvfio::test {

class TrackedMappings
{
public:
	explicit TrackedMappings(Kernel &kernel) : kernel_(kernel) {}
	TrackedMappings(const TrackedMappings &) = delete;
	TrackedMappings &operator=(const TrackedMappings &) = delete;

	/* Kernel::mmap, remembered; MAP_FAILED with errno set on failure. */
	void *map(void *addr, size_t length, int prot, int flags, int fd, uint64_t offset);
	/* The result of a mapping attempt: 0 (and unmapped again) or -errno. */
	long map_errno(int fd, uint64_t offset, size_t length, int prot, int flags);
	/* Kernel::munmap, forgetting the matching tracked mapping if any. */
	long unmap(void *addr, size_t length);
	/* Unmap everything still tracked (teardown). */
	void unmap_all();

	/* Adopt a mapping made by hand / forget all without unmapping. */
	void emplace_back(void *addr, size_t length) { maps_.emplace_back(addr, length); }
	void clear() { maps_.clear(); }

private:
	Kernel &kernel_;
	std::vector<std::pair<void *, size_t>> maps_;
};

} /* namespace softvfio::test */
