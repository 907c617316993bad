/* SPDX-License-Identifier: MIT */
/*
 * MirrorWindow: the function's own shared mapping of one register BAR's
 * memory, through which a model's mirror is stored.
 *
 * Session clients read mirrored registers from their own mappings of the
 * same memory, concurrently (register_mirror.h). A pwrite(2) of 4 bytes
 * may reach the page one byte at a time (the kernel's user copy), so a
 * reader could see half of a new value; a store through this mapping is
 * one aligned store of the register's width, as a device's register
 * update is one bus transaction.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

namespace softvfio::pci {

class MirrorWindow
{
public:
	MirrorWindow() = default;
	~MirrorWindow();
	MirrorWindow(const MirrorWindow &) = delete;
	MirrorWindow &operator=(const MirrorWindow &) = delete;

	/* Map `length` bytes of `fd` at `file_offset`, shared. -errno. */
	int map(int fd, uint64_t file_offset, uint64_t length);
	bool mapped() const { return base_ != nullptr; }
	/* Store `len` bytes at `offset` (inside the window): one store for
	 * an aligned 1, 2, 4 or 8 bytes, a copy otherwise. */
	void store(uint64_t offset, const void *src, size_t len);

private:
	void *base_ = nullptr;
	uint64_t length_ = 0;
};

} /* namespace softvfio::pci */
