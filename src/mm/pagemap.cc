/* SPDX-License-Identifier: MIT */
#include "mm/pagemap.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <softvfio/base/unique_fd.h>

#include "mm/types.h"

namespace softvfio::mm {

namespace {

constexpr uint64_t kPresent = 1ull << 63;
constexpr size_t kChunk = 4096;   /* entries per read */

} /* namespace */

Result<std::vector<bool>> present_pages(const std::string &pagemap, uintptr_t start, uintptr_t end)
{
	UniqueFD fd(::open(pagemap.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		return err(errno);
	const uint64_t pages = (end - start) / kPageSize;
	std::vector<bool> present(pages, false);
	std::vector<uint64_t> buf(kChunk);
	for (uint64_t done = 0; done < pages;) {
		const size_t n = std::min<uint64_t>(kChunk, pages - done);
		const off_t at = static_cast<off_t>((start / kPageSize + done) * sizeof(uint64_t));
		ssize_t got = ::pread(fd.get(), buf.data(), n * sizeof(uint64_t), at);
		if (got < 0)
			return err(errno);
		const size_t entries = static_cast<size_t>(got) / sizeof(uint64_t);
		if (entries == 0)
			break;
		for (size_t i = 0; i < entries; i++)
			present[done + i] = (buf[i] & kPresent) != 0;
		done += entries;
	}
	return present;
}

} /* namespace softvfio::mm */
