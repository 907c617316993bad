/* SPDX-License-Identifier: MIT */
#include "session/mirror_directory.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace softvfio::session {

Result<std::unique_ptr<MirrorDirectory>> MirrorDirectory::create()
{
	/* Sealed against resizing: a client's read-only mapping of it can
	 * never fault, whatever the kernel does. */
	UniqueFD fd(::memfd_create("softvfio-mirrors", MFD_CLOEXEC | MFD_ALLOW_SEALING));
	if (!fd)
		return err(errno);
	if (::ftruncate(fd.get(), wire::kMirrorDirectorySize) < 0 ||
	    ::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
		return err(errno);
	void *p = ::mmap(nullptr, wire::kMirrorDirectorySize, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
	if (p == MAP_FAILED)
		return err(errno);
	auto *map = static_cast<wire::MirrorDirectory *>(p);
	map->magic = wire::kMirrorMagic;
	return std::unique_ptr<MirrorDirectory>(new MirrorDirectory(std::move(fd), map));
}

MirrorDirectory::~MirrorDirectory()
{
	::munmap(map_, wire::kMirrorDirectorySize);
}

uint32_t MirrorDirectory::entry_for(unsigned bar, std::span<const pci::MirroredRead> reads)
{
	wire::MirrorEntry wanted{};
	wanted.bar = bar;
	/* A longer list keeps its first reads: the rest go to the model. */
	for (const pci::MirroredRead &r : reads) {
		if (wanted.nreads == wire::kMirrorReads)
			break;
		wanted.reads[wanted.nreads++] = {r.offset, r.widths};
	}
	std::lock_guard guard(lock_);
	const uint32_t n = map_->count.load(std::memory_order_relaxed);
	for (uint32_t i = 0; i < n; i++) {
		const wire::MirrorEntry &e = map_->entries[i];
		if (e.bar == wanted.bar && e.nreads == wanted.nreads &&
		    std::equal(e.reads, e.reads + e.nreads, wanted.reads, [](const auto &a, const auto &b) {
			    return a.offset == b.offset && a.widths == b.widths;
		    }))
			return i + 1;
	}
	if (n == wire::kMirrorEntries)
		return 0;
	map_->entries[n] = wanted;
	map_->count.store(n + 1, std::memory_order_release);
	return n + 1;
}

} /* namespace softvfio::session */
