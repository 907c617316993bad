/* SPDX-License-Identifier: MIT */
/*
 * VFIO_DEVICE_FEATURE_DMA_BUF (11), GET: export BAR ranges as a dma-buf fd,
 * validated in exactly the kernel's order (docs/semantics.md §4.1).
 */
#include <cerrno>
#include <fcntl.h>
#include <shared_mutex>
#include <vector>

#include <softvfio/uapi/vfio.h>

#include "base/fault_injection.h"
#include "base/user_copy.h"
#include "dmabuf/dma_buf.h"
#include "mm/types.h"
#include "vfio/pci/device.h"
#include "vfio/pci/dmabuf_ops.h"
#include "vfio/pci/feature_check.h"
#include "vfs/fd_table.h"

namespace softvfio::vfio {

namespace {

/* KMALLOC_MAX_SIZE on x86-64 (SLUB, MAX_PAGE_ORDER 10): larger kmallocs
 * fail, so memdup_user of more range bytes answers ENOMEM. */
constexpr uint64_t kKmallocMaxSize = 4ull << 20;
/* DMA_IOVA_USE_SWIOTLB: a total with bit 63 set is refused. */
constexpr uint64_t kIovaUseSwiotlb = 1ull << 63;

using Ranges = std::vector<vfio_region_dma_range>;

/* memdup_array_user(): the multiplication cannot overflow a 64-bit size_t
 * for a u32 count, but the check is the kernel's; then kmalloc's limit,
 * then the copy (an unmapped tail faults: EFAULT). */
Result<Ranges> copy_ranges(const void *user, uint32_t count)
{
	uint64_t bytes;
	if (__builtin_mul_overflow(uint64_t(count), uint64_t(sizeof(vfio_region_dma_range)), &bytes))
		return err(EOVERFLOW);
	if (bytes > kKmallocMaxSize)
		return err(ENOMEM);
	Ranges ranges(count);
	SVFIO_TRY(copy_from_user(ranges.data(), user, bytes));
	return ranges;
}

/* validate_dmabuf_input(): each range non-empty and page-aligned, the sum
 * not wrapping, no SWIOTLB bit. */
Result<uint64_t> validate_ranges(const Ranges &ranges)
{
	uint64_t total = 0;
	for (const vfio_region_dma_range &r : ranges) {
		if (!r.length || !mm::page_aligned(r.offset) || !mm::page_aligned(r.length))
			return err(EINVAL);
		if (__builtin_add_overflow(total, r.length, &total))
			return err(EINVAL);
	}
	if (total & kIovaUseSwiotlb)
		return err(EINVAL);
	return total;
}

/* get_dmabuf_phys(): the BAR must have a P2P provider (a memory BAR);
 * each range becomes [BAR start + offset, + length), which must not wrap
 * (EOVERFLOW) nor end beyond the BAR (EINVAL). */
Result<std::vector<dmabuf::Range>> dmabuf_phys(VfioPciDevice &dev, unsigned index, const Ranges &ranges)
{
	const pci::Bar &bar = dev.function().bar(index);
	if (!bar.is_memory() || !bar.size)
		return err(EINVAL);
	const uint64_t max_addr = bar.address + bar.size;
	std::vector<dmabuf::Range> out;
	for (const vfio_region_dma_range &r : ranges) {
		if (!r.length)
			return err(EINVAL);
		uint64_t paddr, end;
		if (__builtin_add_overflow(bar.address, r.offset, &paddr) ||
		    __builtin_add_overflow(paddr, r.length, &end))
			return err(EOVERFLOW);
		if (end > max_addr)
			return err(EINVAL);
		auto host = dev.host_location(paddr, r.length);
		if (!host)
			return err(host.error());
		out.push_back({r.offset, paddr, r.length, *host});
	}
	return out;
}

} /* namespace */

long dma_buf_export_feature(VfioPciDevice &dev, CallContext &ctx, uint32_t flags, void *payload,
			    size_t payload_argsz)
{
	const DeviceSetup &setup = dev.setup();
	/* Without CONFIG_VFIO_PCI_DMABUF the feature does not exist. */
	if (!setup.dmabuf_config)
		return -ENOTTY;
	if (!setup.dmabuf_support)
		return -EOPNOTSUPP;
	vfio_device_feature_dma_buf req{};
	int ret = check_feature(flags, payload_argsz, VFIO_DEVICE_FEATURE_GET, sizeof(req));
	if (ret != 1)
		return ret;
	if (!copy_from_user(&req, payload, sizeof(req)))
		return -EFAULT;
	if (!req.nr_ranges || req.flags)
		return -EINVAL;
	if (req.region_index >= VFIO_PCI_ROM_REGION_INDEX)
		return -ENODEV;
	/* Read regardless of argsz, as the kernel does (§7 item 6). */
	auto ranges = copy_ranges(static_cast<uint8_t *>(payload) + sizeof(req), req.nr_ranges);
	if (!ranges)
		return -ranges.error();
	if (auto total = validate_ranges(*ranges); !total)
		return -total.error();
	if (int e = fault_check(FaultPoint::DmaBufAlloc))
		return -e;
	auto phys = dmabuf_phys(dev, req.region_index, *ranges);
	if (!phys)
		return -phys.error();
	if (!dev.get_registration())
		return -ENODEV;

	dmabuf::BufferSpec spec;
	spec.kind = dmabuf::Kind::Exported;
	spec.exporter = &dev;
	spec.device = dev.bdf();
	spec.bar = req.region_index;
	spec.ranges = std::move(*phys);
	spec.access_mode = static_cast<int>(req.open_flags) & O_ACCMODE;
	spec.mmap_op = dev.profile().dmabuf_mmap;
	spec.map_and_fault_on_temp = setup.map_and_fault_on_temp;
	spec.domain = setup.domain;
	auto buf = dmabuf::DmaBuf::create(std::move(spec));
	{
		std::unique_lock guard(dev.memory_lock());
		buf->link_locked(dev.buffers(), dev.memory_enabled_locked());
	}
	/* dma_buf_fd(); on failure the buffer's release unlinks it. */
	auto fd = dmabuf::dma_buf_fd(ctx.fds, buf, req.open_flags);
	return fd ? *fd : -fd.error();
}

} /* namespace softvfio::vfio */
