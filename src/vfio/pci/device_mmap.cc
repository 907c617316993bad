/* SPDX-License-Identifier: MIT */
/*
 * mmap of the device fd: vfio_pci_core_mmap's argument checks (§4.2, each
 * EINVAL), then a classic mapping of the BAR memory or, in the series
 * profiles, a hidden DMABUF over exactly the mapped window.
 */
#include <cerrno>
#include <sys/mman.h>

#include <softvfio/uapi/vfio.h>

#include "mm/fault_model.h"
#include "mm/mm.h"
#include "vfio/pci/device.h"
#include "vfio/pci/dmabuf_ops.h"

namespace softvfio::vfio {

long VfioPciDevice::mmap(CallContext &ctx, const std::shared_ptr<vfs::File> &file, const vfs::MmapArgs &args)
{
	uint64_t vm_pgoff = args.offset >> mm::kPageShift;
	unsigned index = static_cast<unsigned>(vm_pgoff >> (mm::kVfioOffsetShift - mm::kPageShift));
	if (index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	if ((args.flags & MAP_TYPE) != MAP_SHARED && (args.flags & MAP_TYPE) != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (index >= VFIO_PCI_ROM_REGION_INDEX)
		return -EINVAL;
	if (!bar_mmap_supported(index))
		return -EINVAL;
	uint64_t in_bar_offset = mm::vfio_in_bar_pgoff(vm_pgoff) << mm::kPageShift;
	uint64_t phys_len = mm::page_align_up(function_->bar(index).size);
	if (in_bar_offset + args.length > phys_len)
		return -EINVAL;

	/* Map regardless of whether memory is enabled: faults sort it out. */
	if (profile().bar_mmap_dmabuf)
		return bar_mmap_dmabuf(*this, ctx, file, args, index, in_bar_offset);

	auto *mappable = dynamic_cast<mm::Mappable *>(file.get());
	auto addr = ctx.mm.map(file, *mappable, args, vm_pgoff, mm::MemAttr::Uncached, map_options(index));
	return addr ? static_cast<long>(*addr) : -addr.error();
}

} /* namespace softvfio::vfio */
