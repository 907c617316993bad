/* SPDX-License-Identifier: MIT */
#include "session/read_ahead_host.h"

#include <algorithm>
#include <cstring>

namespace softvfio::session {

namespace {

constexpr uintptr_t kPage = 4096;

} /* namespace */

Result<void> ReadAheadHost::read_memory(void *dst, uintptr_t src, size_t n)
{
	if (!covers(src, n)) {
		/* A window only within src's page: the page is there or it is
		 * not, so reading ahead cannot turn a good read into EFAULT.
		 * Larger reads, and reads across a page end, go straight
		 * through. */
		const size_t to_page_end = kPage - (src & (kPage - 1));
		const size_t want = std::min(kWindow, to_page_end);
		if (n > want)
			return inner_.read_memory(dst, src, n);
		auto r = inner_.read_memory(bytes_, src, want);
		if (!r) {
			length_ = 0;
			return inner_.read_memory(dst, src, n);
		}
		base_ = src;
		length_ = want;
	}
	std::memcpy(dst, bytes_ + (src - base_), n);
	return {};
}

Result<void> ReadAheadHost::write_memory(uintptr_t dst, const void *src, size_t n)
{
	auto r = inner_.write_memory(dst, src, n);
	if (length_ && dst < base_ + length_ && dst + n > base_) {
		/* The part of the window written: what the call reads back. A
		 * write that failed part way leaves unknown bytes: forget it. */
		if (!r) {
			length_ = 0;
			return r;
		}
		const uintptr_t from = std::max(dst, base_), to = std::min(dst + n, base_ + length_);
		std::memcpy(bytes_ + (from - base_), static_cast<const unsigned char *>(src) + (from - dst), to - from);
	}
	return r;
}

} /* namespace softvfio::session */
