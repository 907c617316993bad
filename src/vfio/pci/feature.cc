/* SPDX-License-Identifier: MIT */
/*
 * VFIO_DEVICE_FEATURE: the vfio core's generic validation (docs/semantics.md
 * §2.2, in that exact order), the dispatch by index through the profile's
 * feature table, and the runtime low-power features.
 */
#include <cerrno>

#include <softvfio/uapi/vfio.h>

#include "base/user_copy.h"
#include "vfio/pci/device.h"
#include "vfio/pci/dmabuf_ops.h"
#include "vfio/pci/feature_check.h"
#include "vfio/struct_copy.h"

namespace softvfio::vfio {

namespace {

constexpr uint32_t kKnownFlags = VFIO_DEVICE_FEATURE_MASK | VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET |
				 VFIO_DEVICE_FEATURE_PROBE;

long low_power_entry(VfioPciDevice &dev, uint32_t flags, size_t argsz)
{
	int ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
	if (ret != 1)
		return ret;
	return dev.runtime_pm_entry(nullptr);
}

long low_power_entry_with_wakeup(VfioPciDevice &dev, uint32_t flags, void *payload, size_t argsz)
{
	vfio_device_low_power_entry_with_wakeup entry{};
	int ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, sizeof(entry));
	if (ret != 1)
		return ret;
	if (!copy_from_user(&entry, payload, sizeof(entry)))
		return -EFAULT;
	auto wake = EventfdRef::get(entry.wakeup_eventfd);
	if (!wake)
		return -wake.error();
	return dev.runtime_pm_entry(std::move(*wake));
}

long low_power_exit(VfioPciDevice &dev, uint32_t flags, size_t argsz)
{
	int ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
	if (ret != 1)
		return ret;
	dev.runtime_pm_exit();
	return 0;
}

/* The driver's device_feature op (vfio_pci_core_ioctl_feature) plus the
 * series' features, numbered by the profile. */
long driver_feature(VfioPciDevice &dev, CallContext &ctx, uint32_t flags, void *payload, size_t argsz)
{
	const Profile &p = dev.profile();
	uint32_t index = flags & VFIO_DEVICE_FEATURE_MASK;
	switch (index) {
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
		return low_power_entry(dev, flags, argsz);
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
		return low_power_entry_with_wakeup(dev, flags, payload, argsz);
	case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
		return low_power_exit(dev, flags, argsz);
	case VFIO_DEVICE_FEATURE_PCI_VF_TOKEN:
		return dev.vf_token_feature(flags, payload, argsz);
	case VFIO_DEVICE_FEATURE_DMA_BUF:
		if (p.dma_buf_export)
			return dma_buf_export_feature(dev, ctx, flags, payload, argsz);
		return -ENOTTY;
	default:
		break;
	}
	if (p.revoke_entry == RevokeEntry::Feature && index == p.revoke_feature)
		return dma_buf_revoke_feature(dev, ctx, flags, payload, argsz);
	if (p.memattr_feature && index == *p.memattr_feature)
		return dma_buf_memattr_feature(dev, ctx, flags, payload, argsz);
	/* Migration, DMA logging and BUS_MASTER have no ops on vfio-pci. */
	return -ENOTTY;
}

} /* namespace */

int check_feature(uint32_t flags, size_t payload_argsz, uint32_t supported_ops, size_t minsz)
{
	if ((flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)) & ~supported_ops)
		return -EINVAL;
	if (flags & VFIO_DEVICE_FEATURE_PROBE)
		return 0;
	if (!(flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)))
		return -EINVAL;
	if (payload_argsz < minsz)
		return -EINVAL;
	return 1;
}

long VfioPciDevice::feature_ioctl(CallContext &ctx, uintptr_t arg)
{
	constexpr size_t minsz = sizeof(vfio_device_feature);
	vfio_device_feature feature{};
	if (int r = copy_argsz_head(feature, arg, minsz))
		return r;
	if (feature.flags & ~kKnownFlags)
		return -EINVAL;
	if (!(feature.flags & VFIO_DEVICE_FEATURE_PROBE) && (feature.flags & VFIO_DEVICE_FEATURE_SET) &&
	    (feature.flags & VFIO_DEVICE_FEATURE_GET))
		return -EINVAL;
	void *payload = static_cast<uint8_t *>(user_ptr(arg)) + minsz;
	return driver_feature(*this, ctx, feature.flags, payload, feature.argsz - minsz);
}

} /* namespace softvfio::vfio */
