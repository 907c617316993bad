/* SPDX-License-Identifier: MIT */
/*
 * vfio-pci's DMABUF entry points (the kernel's vfio_pci_dmabuf.c): the
 * device's feature and ioctl handlers and the DMABUF-backed BAR mmap. Their
 * behaviour is docs/semantics.md §4.1–§4.3, §4.7, §4.8, by profile.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "vfio/call_context.h"

namespace softvfio::vfs {
class File;
struct MmapArgs;
}

namespace softvfio::vfio {

class VfioPciDevice;

/* Feature 11, GET: export BAR ranges as a new dma-buf fd (returned). */
long dma_buf_export_feature(VfioPciDevice &dev, CallContext &ctx, uint32_t flags, void *payload,
			    size_t payload_argsz);
/* series-v4 feature 13 (SET): permanently revoke a dma-buf of this device. */
long dma_buf_revoke_feature(VfioPciDevice &dev, CallContext &ctx, uint32_t flags, void *payload,
			    size_t payload_argsz);
/* MEMATTR: series-v4 feature 14 (SET), series-v2 feature 13 (GET/SET). */
long dma_buf_memattr_feature(VfioPciDevice &dev, CallContext &ctx, uint32_t flags, void *payload,
			     size_t payload_argsz);
/* series-v2 device ioctl 122, VFIO_DEVICE_PCI_DMABUF_REVOKE. */
long dma_buf_revoke_ioctl(VfioPciDevice &dev, CallContext &ctx, uintptr_t arg);

/* Series BAR mmap through the device fd: a hidden single-range DMABUF over
 * exactly [BAR start + in_bar_offset, + length), mapped with vm_pgoff equal
 * to the mmap offset. The argument checks of §4.2 have passed. */
long bar_mmap_dmabuf(VfioPciDevice &dev, CallContext &ctx, const std::shared_ptr<vfs::File> &device_file,
		     const vfs::MmapArgs &args, unsigned index, uint64_t in_bar_offset);

} /* namespace softvfio::vfio */
