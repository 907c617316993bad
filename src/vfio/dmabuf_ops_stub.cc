/* SPDX-License-Identifier: MIT */
/* Placeholder until the DMABUF system lands. */
#include <cerrno>

#include "vfio/dmabuf_ops.h"

namespace softvfio::vfio {

long dma_buf_export_feature(VfioPciDevice &, CallContext &, uint32_t, void *, size_t) { return -ENOTTY; }
long dma_buf_revoke_feature(VfioPciDevice &, CallContext &, uint32_t, void *, size_t) { return -ENOTTY; }
long dma_buf_memattr_feature(VfioPciDevice &, CallContext &, uint32_t, void *, size_t) { return -ENOTTY; }
long dma_buf_revoke_ioctl(VfioPciDevice &, CallContext &, uintptr_t) { return -ENOTTY; }
long bar_mmap_dmabuf(VfioPciDevice &, CallContext &, const std::shared_ptr<vfs::File> &, const vfs::MmapArgs &,
		     unsigned, uint64_t)
{
	return -ENODEV;
}

} /* namespace softvfio::vfio */
