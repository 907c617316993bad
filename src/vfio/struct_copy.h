/* SPDX-License-Identifier: MIT */
/*
 * copy_struct_from_user(): the extensible-struct rule of iommufd and the
 * newer vfio ioctls. The caller's struct is `usize` bytes, the model's
 * `ksize`: a shorter one is zero-extended; a longer one is accepted only if
 * every byte the model does not know is zero (E2BIG otherwise). EFAULT for
 * a bad pointer.
 */
#pragma once

#include <cstddef>

#include <softvfio/base/result.h>

namespace softvfio::vfio {

Result<void> copy_struct_from_user(void *dst, size_t ksize, const void *user_src, size_t usize);

} /* namespace softvfio::vfio */
