/* SPDX-License-Identifier: MIT */
#include "pci/bar_mirror.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <sys/mman.h>

#include "pci/pci_function_impl.h"

namespace softvfio::pci {

MirrorWindow::~MirrorWindow()
{
	if (base_)
		::munmap(base_, length_);
}

int MirrorWindow::map(int fd, uint64_t file_offset, uint64_t length)
{
	void *p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(file_offset));
	if (p == MAP_FAILED)
		return -errno;
	base_ = p;
	length_ = length;
	return 0;
}

namespace {

template <typename T> void store_whole(void *at, const void *src)
{
	T v;
	std::memcpy(&v, src, sizeof(v));
	std::atomic_ref<T>(*static_cast<T *>(at)).store(v, std::memory_order_release);
}

} /* namespace */

void MirrorWindow::store(uint64_t offset, const void *src, size_t len)
{
	void *at = static_cast<uint8_t *>(base_) + offset;
	const bool aligned = (offset & (len - 1)) == 0;
	switch (aligned ? len : 0) {
	case 1: store_whole<uint8_t>(at, src); break;
	case 2: store_whole<uint16_t>(at, src); break;
	case 4: store_whole<uint32_t>(at, src); break;
	case 8: store_whole<uint64_t>(at, src); break;
	default: std::memcpy(at, src, len); break;
	}
}

/* The window is made at the first mirror store (the function's lock is
 * held: models are called under it); a BAR that cannot be mapped keeps
 * its mirror through the file. */
Result<void> PciFunction::Impl::mirror_write(unsigned index, uint64_t offset, const void *src, size_t len)
{
	MirrorWindow &window = mirror_windows[index];
	if (!window.mapped() && window.map(mem.get(), region_offset(index), bars[index].size) < 0)
		return mem_write(region_offset(index) + offset, src, len);
	window.store(offset, src, len);
	return {};
}

} /* namespace softvfio::pci */
