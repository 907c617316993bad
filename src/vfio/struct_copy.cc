/* SPDX-License-Identifier: MIT */
#include "vfio/struct_copy.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "base/user_copy.h"

namespace softvfio::vfio {

namespace {

/* check_zeroed_user(): the trailing bytes, a chunk at a time. */
Result<bool> zeroed(const uint8_t *user, size_t len)
{
	uint8_t chunk[256];
	while (len) {
		size_t n = std::min(len, sizeof(chunk));
		SVFIO_TRY(copy_from_user(chunk, user, n));
		for (size_t i = 0; i < n; i++)
			if (chunk[i])
				return false;
		user += n;
		len -= n;
	}
	return true;
}

} /* namespace */

Result<void> copy_struct_from_user(void *dst, size_t ksize, const void *user_src, size_t usize)
{
	const auto *src = static_cast<const uint8_t *>(user_src);
	size_t size = std::min(ksize, usize);
	if (usize > ksize) {
		auto z = zeroed(src + ksize, usize - ksize);
		if (!z)
			return err(z.error());
		if (!*z)
			return err(E2BIG);
	}
	std::memset(static_cast<uint8_t *>(dst) + size, 0, ksize - size);
	return copy_from_user(dst, src, size);
}

} /* namespace softvfio::vfio */
