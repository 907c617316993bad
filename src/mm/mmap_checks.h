/* SPDX-License-Identifier: MIT */
/*
 * The generic checks do_mmap() makes before a file's own ->mmap runs, in
 * the kernel's order, for the layer that dispatches mmap(2) to a File.
 * Mm::map assumes they (and the file's own checks) have passed.
 */
#pragma once

#include <softvfio/base/result.h>

#include "vfs/file.h"

namespace softvfio::mm {

/* EINVAL (offset not page-aligned, zero length, fixed address not aligned,
 * bad map type), ENOMEM (length overflow, beyond the address space),
 * EOVERFLOW (page offset wraps), EOPNOTSUPP (unknown MAP_SHARED_VALIDATE
 * flags), EACCES (writable shared map of a read-only file, or a file not
 * open for reading). MAP_FIXED_NOREPLACE's EEXIST comes from Mm::map. */
Result<void> generic_mmap_checks(const vfs::File &file, const vfs::MmapArgs &args);

} /* namespace softvfio::mm */
