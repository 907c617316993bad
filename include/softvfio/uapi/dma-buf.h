/* SPDX-License-Identifier: MIT */
/*
 * softvfio's own definition of the dma-buf ioctls (<linux/dma-buf.h>) used on
 * the fds VFIO_DEVICE_FEATURE_DMA_BUF returns, written from
 * docs/semantics-client.md §3.5 (docs/semantics.md §2.7). Names, values and
 * layouts are the kernel's; the text is not. Pure C11/C++20.
 *
 * Coexistence (guard _DMA_BUF_UAPI_H_, the same installed and in-tree):
 *  - This header first: defines everything and the guard; a later
 *    <linux/dma-buf.h> is a no-op.
 *  - <linux/dma-buf.h> first: 6.1 already has everything below except
 *    DMA_BUF_IOCTL_REVOKE, which alone is added.
 */
#ifndef SOFTVFIO_UAPI_DMA_BUF_H
#define SOFTVFIO_UAPI_DMA_BUF_H

#include <linux/ioctl.h>
#include <linux/types.h>

#include "layout_check.h"

#if defined(_DMA_BUF_UAPI_H_)
#define SOFTVFIO_UAPI_DMA_BUF_SYSTEM 1
#else
#define SOFTVFIO_UAPI_DMA_BUF_SYSTEM 0
#define _DMA_BUF_UAPI_H_

/* DMA_BUF_IOCTL_SYNC: brackets CPU access to a mapping. */
struct dma_buf_sync {
	__u64 flags;
};
#define DMA_BUF_SYNC_READ (1 << 0)
#define DMA_BUF_SYNC_WRITE (2 << 0)
#define DMA_BUF_SYNC_RW (DMA_BUF_SYNC_READ | DMA_BUF_SYNC_WRITE)
#define DMA_BUF_SYNC_START (0 << 2)
#define DMA_BUF_SYNC_END (1 << 2)
#define DMA_BUF_SYNC_VALID_FLAGS_MASK (DMA_BUF_SYNC_RW | DMA_BUF_SYNC_END)

/* Longest name DMA_BUF_SET_NAME accepts, NUL included. */
#define DMA_BUF_NAME_LEN 32

/* Fences of the buffer as a sync_file (flags: SYNC_READ and/or SYNC_WRITE). */
struct dma_buf_export_sync_file {
	__u32 flags;
	__s32 fd; /* out */
};

/* Adds a sync_file's fence to the buffer (flags as above). */
struct dma_buf_import_sync_file {
	__u32 flags;
	__s32 fd;
};

#define DMA_BUF_BASE 'b'
#define DMA_BUF_IOCTL_SYNC _IOW(DMA_BUF_BASE, 0, struct dma_buf_sync)

/*
 * SET_NAME's size field was encoded from a pointer type, so 32- and 64-bit
 * builds disagree. The kernel accepts both: _A is the 32-bit value, _B the
 * 64-bit one; plain DMA_BUF_SET_NAME is whichever this build produces.
 */
#define DMA_BUF_SET_NAME _IOW(DMA_BUF_BASE, 1, const char *)
#define DMA_BUF_SET_NAME_A _IOW(DMA_BUF_BASE, 1, __u32)
#define DMA_BUF_SET_NAME_B _IOW(DMA_BUF_BASE, 1, __u64)

#define DMA_BUF_IOCTL_EXPORT_SYNC_FILE \
	_IOWR(DMA_BUF_BASE, 2, struct dma_buf_export_sync_file)
#define DMA_BUF_IOCTL_IMPORT_SYNC_FILE \
	_IOW(DMA_BUF_BASE, 3, struct dma_buf_import_sync_file)

#endif /* !_DMA_BUF_UAPI_H_ */

/*
 * NOT IN ANY KERNEL AND NOT IN ANY softvfio PROFILE. The "vfio/pci: Add
 * mmap() for DMABUFs" RFC v1 proposed a generic revoke ioctl on the dma-buf
 * fd; review rejected it and later versions revoke through the VFIO device
 * (docs/semantics.md §1.6, §2.5). Defined only so the number has a name;
 * no profile implements it (a real kernel answers ENOTTY).
 */
#ifndef DMA_BUF_IOCTL_REVOKE
#define DMA_BUF_IOCTL_REVOKE _IO(DMA_BUF_BASE, 4)
#endif

/* ---- Layout: docs/semantics-client.md §3.5 ---- */
SOFTVFIO_UAPI_SIZE(struct dma_buf_sync, 8);
SOFTVFIO_UAPI_OFFSET(struct dma_buf_sync, flags, 0);
SOFTVFIO_UAPI_SIZE(struct dma_buf_export_sync_file, 8);
SOFTVFIO_UAPI_OFFSET(struct dma_buf_export_sync_file, flags, 0);
SOFTVFIO_UAPI_OFFSET(struct dma_buf_export_sync_file, fd, 4);
SOFTVFIO_UAPI_SIZE(struct dma_buf_import_sync_file, 8);
SOFTVFIO_UAPI_OFFSET(struct dma_buf_import_sync_file, flags, 0);
SOFTVFIO_UAPI_OFFSET(struct dma_buf_import_sync_file, fd, 4);

#endif /* SOFTVFIO_UAPI_DMA_BUF_H */
