/* SPDX-License-Identifier: MIT */
#include "support/tracked_mappings.h"

#include <algorithm>
#include <cerrno>

namespace softvfio::test {

void *TrackedMappings::map(void *addr, size_t length, int prot, int flags, int fd, uint64_t offset)
{
	long r = kernel_.mmap(addr, length, prot, flags, fd, static_cast<off_t>(offset));
	if (r < 0) {
		errno = static_cast<int>(-r);
		return MAP_FAILED;
	}
	void *p = reinterpret_cast<void *>(r);
	maps_.emplace_back(p, length);
	return p;
}

long TrackedMappings::map_errno(int fd, uint64_t offset, size_t length, int prot, int flags)
{
	long r = kernel_.mmap(nullptr, length, prot, flags, fd, static_cast<off_t>(offset));
	if (r < 0)
		return r;
	kernel_.munmap(reinterpret_cast<void *>(r), length);
	return 0;
}

long TrackedMappings::unmap(void *addr, size_t length)
{
	auto it = std::find(maps_.begin(), maps_.end(), std::pair{addr, length});
	if (it != maps_.end())
		maps_.erase(it);
	return kernel_.munmap(addr, length);
}

void TrackedMappings::unmap_all()
{
	for (auto [addr, len] : maps_)
		kernel_.munmap(addr, len);
	maps_.clear();
}

} /* namespace softvfio::test */
