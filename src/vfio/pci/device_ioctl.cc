/* SPDX-License-Identifier: MIT */
/*
 * The device fd's ioctls: dispatch, and the info ioctls (GET_INFO,
 * GET_REGION_INFO, GET_IRQ_INFO) and SET_IRQS header validation, with the
 * vfio core's exact minsz/argsz rules.
 */
#include <cerrno>
#include <cstddef>
#include <vector>

#include <softvfio/uapi/vfio.h>

#include "base/fault_injection.h"
#include "base/user_copy.h"
#include "vfio/info_caps.h"
#include "vfio/pci/device.h"
#include "vfio/pci/dmabuf_ops.h"
#include "vfio/struct_copy.h"

namespace softvfio::vfio {

namespace {

long get_info(VfioPciDevice &dev, uintptr_t arg)
{
	constexpr size_t minsz = offsetof(vfio_device_info, num_irqs) + sizeof(__u32);
	vfio_device_info info{};
	if (int r = copy_argsz_head(info, arg, minsz))
		return r;
	size_t outsz = std::min<size_t>(info.argsz, sizeof(info));
	info.flags = VFIO_DEVICE_FLAGS_PCI;
	if (dev.reset_works())
		info.flags |= VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	/* No capability applies to the modelled functions (zPCI is s390 only;
	 * PCI atomics need a root port that routes them). */
	return copy_to_user(user_ptr(arg), &info, outsz) ? 0 : -EFAULT;
}

void region_info_bar(VfioPciDevice &dev, vfio_region_info &info, InfoCaps &caps)
{
	const pci::Bar &bar = dev.function().bar(info.index);
	info.offset = pci::region_offset(info.index);
	info.size = bar.size;
	if (!bar.size) {
		info.flags = 0;
		return;
	}
	info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	if (!dev.bar_mmap_supported(info.index))
		return;
	info.flags |= VFIO_REGION_INFO_FLAG_MMAP;
	/* The MSI-X BAR is fully mappable: vfio says so with a capability
	 * instead of a sparse-mmap hole. */
	if (info.index == dev.msix_bar())
		caps.add(sizeof(vfio_info_cap_header), VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, 1);
}

void region_info_rom(VfioPciDevice &dev, vfio_region_info &info)
{
	info.offset = pci::region_offset(info.index);
	info.flags = 0;
	info.size = 0;
	auto rom = dev.function().rom();
	/* Only a ROM with a valid image is reported, with the BAR's size. */
	if (rom.size() >= 2 && rom[0] == 0x55 && rom[1] == 0xaa) {
		info.flags = VFIO_REGION_INFO_FLAG_READ;
		info.size = dev.function().description().rom_size;
	}
}

long get_region_info(VfioPciDevice &dev, uintptr_t arg)
{
	constexpr size_t minsz = sizeof(vfio_region_info);
	vfio_region_info info{};
	if (int r = copy_argsz_head(info, arg, minsz))
		return r;

	InfoCaps caps;
	switch (info.index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.offset = pci::region_offset(info.index);
		info.size = dev.config().size();
		info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_ROM_REGION_INDEX:
		region_info_rom(dev, info);
		break;
	default:
		if (info.index <= VFIO_PCI_BAR5_REGION_INDEX) {
			region_info_bar(dev, info, caps);
			break;
		}
		/* VGA needs a VGA-class function; no device-specific regions. */
		return -EINVAL;
	}
	info.cap_offset = 0;
	if (auto placed = caps.place(user_ptr(arg), sizeof(info), info.argsz, info.flags, info.cap_offset,
				     VFIO_REGION_INFO_FLAG_CAPS);
	    !placed)
		return -placed.error();
	return copy_to_user(user_ptr(arg), &info, minsz) ? 0 : -EFAULT;
}

long get_irq_info(VfioPciDevice &dev, uintptr_t arg)
{
	constexpr size_t minsz = sizeof(vfio_irq_info);
	vfio_irq_info info{};
	if (int r = copy_argsz_head(info, arg, minsz))
		return r;
	if (info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	/* The error index exists only for PCI Express functions. */
	if (info.index == VFIO_PCI_ERR_IRQ_INDEX && !dev.irqs().shape().express)
		return -EINVAL;
	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = dev.irqs().count(info.index);
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else if (info.index != VFIO_PCI_MSIX_IRQ_INDEX || !dev.irqs().shape().dyn_msix)
		info.flags |= VFIO_IRQ_INFO_NORESIZE;
	return copy_to_user(user_ptr(arg), &info, minsz) ? 0 : -EFAULT;
}

/* vfio_set_irqs_validate_and_prepare(): returns the payload size. */
Result<size_t> validate_irq_set(const vfio_irq_set &hdr, unsigned max_irqs)
{
	constexpr size_t minsz = offsetof(vfio_irq_set, count) + sizeof(__u32);
	if (hdr.argsz < minsz || hdr.index >= VFIO_PCI_NUM_IRQS || hdr.count >= UINT32_MAX - hdr.start ||
	    (hdr.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return err(EINVAL);
	if (hdr.start >= max_irqs || hdr.start + hdr.count > max_irqs)
		return err(EINVAL);
	size_t size;
	switch (hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE: size = 0; break;
	case VFIO_IRQ_SET_DATA_BOOL: size = sizeof(uint8_t); break;
	case VFIO_IRQ_SET_DATA_EVENTFD: size = sizeof(int32_t); break;
	default: return err(EINVAL);
	}
	if (size && hdr.argsz - minsz < size_t(hdr.count) * size)
		return err(EINVAL);
	return size_t(hdr.count) * size;
}

long set_irqs(VfioPciDevice &dev, uintptr_t arg)
{
	constexpr size_t minsz = offsetof(vfio_irq_set, count) + sizeof(__u32);
	vfio_irq_set hdr{};
	if (!copy_from_user(&hdr, user_ptr(arg), minsz))
		return -EFAULT;
	auto data_size = validate_irq_set(hdr, dev.irqs().count(hdr.index));
	if (!data_size)
		return -data_size.error();
	if (int e = *data_size ? fault_check(FaultPoint::IrqSetAlloc) : 0)
		return -e;
	std::vector<uint8_t> data(*data_size);
	if (!data.empty() && !copy_from_user(data.data(), static_cast<uint8_t *>(user_ptr(arg)) + minsz, data.size()))
		return -EFAULT;
	return dev.irqs().set(hdr.flags, hdr.index, hdr.start, hdr.count, data.empty() ? nullptr : data.data());
}

} /* namespace */

long VfioPciDevice::ioctl(CallContext &ctx, unsigned int cmd, uintptr_t arg)
{
	/* Every ioctl resumes a runtime-suspended device first. */
	runtime_resume();
	switch (cmd) {
	case VFIO_DEVICE_GET_INFO: return get_info(*this, arg);
	case VFIO_DEVICE_GET_REGION_INFO: return get_region_info(*this, arg);
	case VFIO_DEVICE_GET_IRQ_INFO: return get_irq_info(*this, arg);
	case VFIO_DEVICE_SET_IRQS: return set_irqs(*this, arg);
	case VFIO_DEVICE_RESET: return reset_ioctl();
	case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: return hot_reset_info_ioctl(ctx, arg);
	case VFIO_DEVICE_PCI_HOT_RESET: return hot_reset_ioctl(ctx, arg);
	case VFIO_DEVICE_IOEVENTFD: return ioeventfd_ioctl(arg);
	case VFIO_DEVICE_FEATURE: return feature_ioctl(ctx, arg);
	case VFIO_DEVICE_PCI_DMABUF_REVOKE:
		if (profile().revoke_entry == RevokeEntry::DeviceIoctl)
			return dma_buf_revoke_ioctl(*this, ctx, arg);
		return -ENOTTY;
	default:
		return -ENOTTY;
	}
}

} /* namespace softvfio::vfio */
