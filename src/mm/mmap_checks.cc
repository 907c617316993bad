/* SPDX-License-Identifier: MIT */
#include "mm/mmap_checks.h"

#include <cerrno>
#include <sys/mman.h>

#include "mm/types.h"

namespace softvfio::mm {

namespace {

#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#define MAP_HUGE_1GB (30 << MAP_HUGE_SHIFT)
#endif
#ifndef MAP_ABOVE4G
#define MAP_ABOVE4G 0x80
#endif

/* LEGACY_MAP_MASK: what MAP_SHARED_VALIDATE accepts from a file without
 * FOP_MMAP_SYNC (vfio and dma-buf files). MAP_FIXED_NOREPLACE is not in it. */
constexpr int kLegacyMapMask = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE |
			       MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED |
			       MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB |
			       MAP_32BIT | MAP_ABOVE4G | MAP_HUGE_2MB | MAP_HUGE_1GB;

Result<void> check_placement(const vfs::MmapArgs &args, uint64_t len)
{
	if (!(args.flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
		return {};
	if (len > kTaskSize || args.addr > kTaskSize - len)
		return err(ENOMEM);
	if (!page_aligned(args.addr))
		return err(EINVAL);
	return {};
}

Result<void> check_access(const vfs::File &file, const vfs::MmapArgs &args)
{
	switch (args.flags & MAP_TYPE) {
	case MAP_SHARED_VALIDATE:
		if (args.flags & ~kLegacyMapMask)
			return err(EOPNOTSUPP);
		[[fallthrough]];
	case MAP_SHARED:
		if ((args.prot & PROT_WRITE) && !file.writable())
			return err(EACCES);
		[[fallthrough]];
	case MAP_PRIVATE:
		if (!file.readable())
			return err(EACCES);
		return {};
	default:
		return err(EINVAL);
	}
}

} /* namespace */

Result<void> generic_mmap_checks(const vfs::File &file, const vfs::MmapArgs &args)
{
	if (!page_aligned(args.offset))
		return err(EINVAL);
	if (args.length == 0)
		return err(EINVAL);
	const uint64_t len = page_align_up(args.length);
	if (len == 0)
		return err(ENOMEM);
	const uint64_t pgoff = args.offset >> kPageShift;
	if (pgoff + (len >> kPageShift) < pgoff)
		return err(EOVERFLOW);
	/* No address space holds it: __get_unmapped_area() refuses a length
	 * above TASK_SIZE with ENOMEM before the file is asked
	 * (mm/mmap.c), whatever the file would have said of the range. */
	if (len > kTaskSize)
		return err(ENOMEM);
	SVFIO_TRY(check_placement(args, len));
	return check_access(file, args);
}

} /* namespace softvfio::mm */
