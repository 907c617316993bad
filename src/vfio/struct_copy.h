/* SPDX-License-Identifier: MIT */
/*
 * copy_struct_from_user(): the extensible-struct rule of iommufd and the
 * newer vfio ioctls. The caller's struct is `usize` bytes, the model's
 * `ksize`: a shorter one is zero-extended; a longer one is accepted only if
 * every byte the model does not know is zero (E2BIG otherwise). EFAULT for
 * a bad pointer. Also the older vfio ioctls' argsz head.
 */
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include <softvfio/base/result.h>

#include "base/user_copy.h"

namespace softvfio::vfio {

Result<void> copy_struct_from_user(void *dst, size_t ksize, const void *user_src, size_t usize);

/*
 * The older vfio ioctls' argsz rule: read the fixed head of the caller's
 * struct (its first `minsz` bytes, argsz leading), then refuse an argsz
 * below `minsz`. 0, -EFAULT or -EINVAL, in the kernel's order; the
 * caller's flag checks come after (also EINVAL).
 */
template <typename T>
int copy_argsz_head(T &out, uintptr_t arg, size_t minsz)
{
	static_assert(offsetof(T, argsz) == 0);
	if (!copy_from_user(&out, user_ptr(arg), minsz))
		return -EFAULT;
	return out.argsz < minsz ? -EINVAL : 0;
}

} /* namespace softvfio::vfio */
