/* SPDX-License-Identifier: MIT */
/*
 * The series BAR mmap (docs/semantics.md §4.2, v2+): every mmap of a BAR
 * through the device fd is backed by a hidden single-range DMABUF covering
 * exactly the mapped window. The VMA maps the buffer; the buffer holds the
 * device file, so a live BAR mapping keeps the device open. vm_pgoff stays
 * the mmap offset (region index included) and vma_pgoff_adjust makes the
 * fault arithmetic 0-based. Revocation never refuses this mmap: a buffer
 * made while memory is disabled starts TEMP-revoked and faults SIGBUS.
 */
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <shared_mutex>

#include "base/fault_injection.h"
#include "dmabuf/dma_buf.h"
#include "mm/fault_model.h"
#include "mm/mm.h"
#include "vfio/pci/device.h"
#include "vfio/pci/dmabuf_ops.h"

namespace softvfio::vfio {

namespace {

/* "<vfio dev name>:<BDF>/<bar index in hex>" */
std::string bar_buffer_name(VfioPciDevice &dev, unsigned index)
{
	char suffix[16];
	std::snprintf(suffix, sizeof(suffix), "/%x", index);
	return dev.exporter_name() + suffix;
}

} /* namespace */

long bar_mmap_dmabuf(VfioPciDevice &dev, CallContext &ctx, const std::shared_ptr<vfs::File> &device_file,
		     const vfs::MmapArgs &args, unsigned index, uint64_t in_bar_offset)
{
	const pci::Bar &bar = dev.function().bar(index);
	const uint64_t length = mm::page_align_up(args.length);
	/* The P2P provider exists for memory BARs only (the §4.2 checks
	 * already passed, so this is belt and braces). */
	if (!bar.is_memory())
		return -EINVAL;
	if (int e = fault_check(FaultPoint::BarMmapAlloc))
		return -e;
	if (!dev.get_registration())
		return -ENODEV;

	/* The window may run past a sub-page BAR to the end of its page, which
	 * vfio reserves for it: the host memory is the BAR memfd at the same
	 * offset, as for a classic mapping. */
	const dmabuf::HostLocation host{dev.function().memory_fd(), pci::region_offset(index) + in_bar_offset};
	dmabuf::BufferSpec spec;
	spec.kind = dmabuf::Kind::BarMmap;
	spec.exporter = &dev;
	spec.device = dev.bdf();
	spec.bar = index;
	spec.ranges = {{in_bar_offset, bar.address + in_bar_offset, length, host}};
	spec.vma_pgoff_adjust = in_bar_offset >> mm::kPageShift;
	spec.access_mode = O_RDWR;
	spec.name = bar_buffer_name(dev, index);
	spec.vfile = device_file;
	spec.mmap_op = dev.profile().dmabuf_mmap && dev.setup().dmabuf_config;
	spec.attach_op = dev.setup().dmabuf_config;
	spec.map_and_fault_on_temp = dev.setup().map_and_fault_on_temp;
	spec.domain = dev.setup().domain;
	auto buf = dmabuf::DmaBuf::create(std::move(spec));
	{
		/* mmap() does not runtime-resume the device: one in low power
		 * sits in D3hot, so its memory is not enabled and the new
		 * buffer starts TEMP (§4.2). The export ioctl resumes it first. */
		std::unique_lock guard(dev.memory_lock());
		buf->link_locked(dev.buffers(), dev.mmio_accessible_locked());
	}
	/* Device-fd BAR mappings are always NC; vm_pgoff is the mmap offset. */
	const uint64_t vm_pgoff = args.offset >> mm::kPageShift;
	auto addr = ctx.mm.map(buf, *buf, args, vm_pgoff, mm::MemAttr::Uncached, dev.map_options(index));
	return addr ? static_cast<long>(*addr) : -addr.error();
}

} /* namespace softvfio::vfio */
