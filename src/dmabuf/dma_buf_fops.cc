/* SPDX-License-Identifier: MIT */
/*
 * The dma-buf file operations (dma_buf_fops): mmap through the core's
 * checks into vfio's op (docs/semantics.md §2.7, §4.3), llseek, and the
 * dma-buf ioctls with the core's exact validation.
 */
#include <cerrno>
#include <sys/mman.h>
#include <unistd.h>

#include <softvfio/uapi/dma-buf.h>

#include "base/user_copy.h"
#include "dmabuf/dma_buf.h"
#include "dmabuf/sync_file.h"
#include "mm/mm.h"

namespace softvfio::dmabuf {

namespace {

bool map_shared(int flags)
{
	return (flags & MAP_TYPE) == MAP_SHARED || (flags & MAP_TYPE) == MAP_SHARED_VALIDATE;
}

/* dma_resv_usage_rw(): a writer waits for readers and writers, a reader
 * only for writers. */
FenceUsage usage_rw(bool write) { return write ? FenceUsage::Read : FenceUsage::Write; }

/* The access flags of SYNC and the sync-file ioctls: some of READ|WRITE,
 * nothing else (EINVAL). */
bool valid_rw_flags(uint64_t flags)
{
	return !(flags & ~uint64_t(DMA_BUF_SYNC_RW)) && (flags & DMA_BUF_SYNC_RW);
}

} /* namespace */

/* dma_buf_mmap_internal, then vfio_pci_dma_buf_mmap. */
long DmaBuf::mmap(mm::Mm &mm, const vfs::MmapArgs &args)
{
	if (!mmap_op_)
		return -EINVAL;
	const uint64_t pgoff = args.offset >> mm::kPageShift;
	const uint64_t npages = mm::page_align_up(args.length) >> mm::kPageShift;
	if (pgoff + npages > size_ >> mm::kPageShift)
		return -EINVAL;
	/* Belt and braces, lock-free; a racing revoke is caught at fault. */
	const Status s = status_.load();
	if (s != Status::Ok && !(map_and_fault_on_temp_ && s == Status::TempRevoked))
		return -ENODEV;
	if (!map_shared(args.flags))
		return -EINVAL;
	const mm::MemAttr attr = memattr_.load();
	auto self = std::static_pointer_cast<DmaBuf>(shared_from_this());
	auto addr = mm.map(self, *this, args, pgoff, attr);
	return addr ? static_cast<long>(*addr) : -addr.error();
}

/* dma_buf_llseek: only SEEK_END and SEEK_SET, only offset 0. */
long DmaBuf::llseek(int64_t offset, int whence)
{
	int64_t base;
	if (whence == SEEK_END)
		base = static_cast<int64_t>(size_);
	else if (whence == SEEK_SET)
		base = 0;
	else
		return -EINVAL;
	if (offset != 0)
		return -EINVAL;
	return base;
}

long DmaBuf::ioctl(unsigned int cmd, uintptr_t arg)
{
	switch (cmd) {
	case DMA_BUF_IOCTL_SYNC:
		return sync_ioctl(arg);
	case DMA_BUF_SET_NAME_A:
	case DMA_BUF_SET_NAME_B:
		return set_name_ioctl(arg);
	case DMA_BUF_IOCTL_EXPORT_SYNC_FILE:
		return export_sync_file_ioctl(arg);
	case DMA_BUF_IOCTL_IMPORT_SYNC_FILE:
		return import_sync_file_ioctl(arg);
	default:
		return -ENOTTY;
	}
}

/* vfio has no begin/end_cpu_access: START waits for the fences the
 * direction needs, END does nothing. */
long DmaBuf::sync_ioctl(uintptr_t arg)
{
	dma_buf_sync sync{};
	if (!copy_from_user(&sync, user_ptr(arg), sizeof(sync)))
		return -EFAULT;
	if (sync.flags & ~uint64_t(DMA_BUF_SYNC_VALID_FLAGS_MASK))
		return -EINVAL;
	if (!valid_rw_flags(sync.flags & DMA_BUF_SYNC_RW))
		return -EINVAL;
	if (!(sync.flags & DMA_BUF_SYNC_END))
		resv_.wait_unlocked(usage_rw(sync.flags & DMA_BUF_SYNC_WRITE));
	return 0;
}

/* strndup_user(name, DMA_BUF_NAME_LEN): EFAULT, or EINVAL without a NUL in
 * the first 32 bytes. Renaming an attached buffer is allowed (the EBUSY
 * rule went in 5.16). */
long DmaBuf::set_name_ioctl(uintptr_t arg)
{
	auto name = copy_string_from_user(static_cast<const char *>(user_ptr(arg)), DMA_BUF_NAME_LEN);
	if (!name)
		return -name.error();
	std::lock_guard guard(name_lock_);
	name_ = std::move(*name);
	return 0;
}

long DmaBuf::export_sync_file_ioctl(uintptr_t arg)
{
	dma_buf_export_sync_file req{};
	if (!copy_from_user(&req, user_ptr(arg), sizeof(req)))
		return -EFAULT;
	if (!valid_rw_flags(req.flags))
		return -EINVAL;
	std::vector<std::shared_ptr<Fence>> fences;
	{
		std::lock_guard guard(resv_);
		fences = resv_.fences_locked(usage_rw(req.flags & DMA_BUF_SYNC_WRITE));
	}
	auto fd = sync_file_create(fences);
	if (!fd)
		return -fd.error();
	req.fd = *fd;
	if (!copy_to_user(user_ptr(arg), &req, sizeof(req))) {
		::close(*fd);
		return -EFAULT;
	}
	return 0;
}

long DmaBuf::import_sync_file_ioctl(uintptr_t arg)
{
	dma_buf_import_sync_file req{};
	if (!copy_from_user(&req, user_ptr(arg), sizeof(req)))
		return -EFAULT;
	if (!valid_rw_flags(req.flags))
		return -EINVAL;
	auto fence = sync_file_get_fence(req.fd);
	if (!fence)
		return -EINVAL;
	std::lock_guard guard(resv_);
	resv_.add_fence_locked(std::move(fence),
			       (req.flags & DMA_BUF_SYNC_WRITE) ? FenceUsage::Write : FenceUsage::Read);
	return 0;
}

} /* namespace softvfio::dmabuf */
