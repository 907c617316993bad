/* SPDX-License-Identifier: MIT */
/*
 * client::Device: a vfio-pci device opened by BDF, and everything done
 * through its fd. Errors are client::Result; the errnos each call can
 * carry are listed with it (the kernel's own, passed through, plus the
 * library's few checks, which say so).
 */
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <sys/mman.h>
#include <vector>

#include <softvfio/client/fwd.h>
#include <softvfio/client/backend.h>
#include <softvfio/client/dma_buf.h>
#include <softvfio/client/dma_mapping.h>
#include <softvfio/client/irqs.h>
#include <softvfio/client/mapping.h>
#include <softvfio/client/region.h>
#include <softvfio/client/result.h>
#include <softvfio/client/uapi_values.h>

namespace softvfio::client {

/* How the device is reached. */
enum class AccessPath {
	Auto,       /* cdev + iommufd if both exist (falling back to the group
	             * if the cdev path fails), else group + container */
	Cdev,       /* /dev/vfio/devices/vfioN bound to /dev/iommu, one IOAS */
	Group,      /* /dev/vfio/<group> (or noiommu-<n>) in /dev/vfio/vfio */
};

struct OpenOptions {
	AccessPath path = AccessPath::Auto;
};

/* What VFIO_DEVICE_FEATURE_PROBE (and, where no probe exists, inference)
 * found on this kernel. */
struct Features {
	bool dma_buf = false;            /* kFeatureDmaBuf, GET */
	/* mmap of DMABUF fds: no probe exists; inferred from REVOKE or
	 * MEMATTR (the mmap series brought all three). */
	bool dma_buf_mmap = false;
	enum class Revoke { None, Feature13, Ioctl122 } revoke = Revoke::None;
	enum class Memattr { None, Feature14, Feature13 } memattr = Memattr::None;
	bool low_power = false;          /* kFeatureLowPowerEntry, SET */
};

struct DeviceInfo {
	uint32_t flags = 0;              /* VFIO_DEVICE_FLAGS_* (kDeviceFlagReset) */
	uint32_t num_regions = 0;
	uint32_t num_irqs = 0;
	bool resettable() const { return (flags & kDeviceFlagReset) != 0; }
};

/* BDFs of the PCI devices bound to vfio-pci (sysfs driver link), sorted.
 * Errors: ENOENT (no /sys/bus/pci/devices). */
Result<std::vector<std::string>> list_vfio_devices(Backend &backend);

class Device
{
public:
	/*
	 * Open `bdf` ("dddd:bb:dd.f"). The path is chosen as OpenOptions says;
	 * with Group, a no-IOMMU group (noiommu-<n>) is used when that is the
	 * node that exists, with a VFIO_NOIOMMU_IOMMU container. With Auto,
	 * when both ways fail the errno is the cdev's, and Error::what names
	 * the group's failure too.
	 * Errors: ENOENT (no such device, no IOMMU group, or the forced path's
	 * nodes do not exist), ENODEV (not bound to vfio-pci: library check),
	 * EBUSY (group already open elsewhere, or the device open through the
	 * other path), EPERM/EACCES (node permissions), EINVAL (group not
	 * viable: library check; or a bind/attach refusal), and the errnos of
	 * VFIO_GROUP_SET_CONTAINER, VFIO_SET_IOMMU, VFIO_GROUP_GET_DEVICE_FD,
	 * VFIO_DEVICE_BIND_IOMMUFD, IOMMU_IOAS_ALLOC,
	 * VFIO_DEVICE_ATTACH_IOMMUFD_PT.
	 */
	static Result<Device> open(std::shared_ptr<Backend> backend, std::string_view bdf, OpenOptions options = {});

	Device(Device &&) noexcept = default;
	Device &operator=(Device &&) noexcept = default;
	~Device();

	const std::string &bdf() const;
	/* Cdev or Group: the path actually used. */
	AccessPath access_path() const;
	bool noiommu() const;
	int fd() const;
	Backend &backend() const;
	const Features &features() const;

	/* VFIO_DEVICE_GET_INFO. Errors: ENODEV, EFAULT. */
	Result<DeviceInfo> info() const;
	/* VFIO_DEVICE_GET_REGION_INFO with capabilities. Errors: EINVAL (no
	 * such region), ENODEV. */
	Result<Region> region(unsigned index) const;
	/* VFIO_DEVICE_GET_IRQ_INFO. Errors: EINVAL (no such index). */
	Result<IrqInfo> irq_info(IrqIndex index) const;

	/*
	 * pread/pwrite of a region at `offset` (config space: 1, 2 or 4 byte
	 * accesses). Errors: EIO (BAR while memory is disabled), EINVAL
	 * (beyond the region, or a region that cannot be read/written), EFAULT.
	 * Short transfers are reported as EIO (library check).
	 */
	Result<void> read_region(unsigned index, uint64_t offset, void *buf, size_t n) const;
	Result<void> write_region(unsigned index, uint64_t offset, const void *buf, size_t n);
	template<typename T>
	Result<T> read_config(uint32_t offset) const
	{
		T v{};
		if (auto r = read_region(kConfigRegion, offset, &v, sizeof(v)); !r)
			return r.error();
		return v;
	}
	template<typename T>
	Result<void> write_config(uint32_t offset, T value)
	{
		return write_region(kConfigRegion, offset, &value, sizeof(value));
	}
	/* Offset of a standard capability in config space; ENOENT if absent
	 * (library check), or read_region's errnos. */
	Result<uint8_t> find_capability(uint8_t id) const;
	/* Set or clear PCI_COMMAND.MEMORY (clearing it revokes every mapping
	 * of the BARs until it is set again). read/write_region's errnos. */
	Result<void> set_memory_enable(bool on);

	/* VFIO_DEVICE_RESET. Errors: EINVAL (no reset support), ENODEV. */
	Result<void> reset();
	/* LOW_POWER_ENTRY / LOW_POWER_EXIT features (SET). While entered,
	 * mappings fault. Errors: ENOTTY (no such feature), EINVAL (already
	 * entered). */
	Result<void> enter_low_power();
	Result<void> exit_low_power();

	/*
	 * VFIO_DEVICE_FEATURE_PROBE of feature `index` (kFeatureDmaBuf, ...)
	 * for `op` (kFeatureGet or kFeatureSet): true if supported; false for
	 * ENOTTY (unknown feature), EINVAL (op not supported) and EOPNOTSUPP
	 * (driver without DMABUF support). Other errnos are errors.
	 */
	Result<bool> probe_feature(uint32_t index, uint32_t op) const;

	/*
	 * Classic mapping of `length` bytes at `offset` in BAR `bar` through
	 * the device fd (always NC). Errors: EINVAL (BAR not mappable, window
	 * beyond it, unaligned, bad index), ENOMEM.
	 */
	Result<Mapping> map_bar(unsigned bar, uint64_t offset, size_t length, int prot = PROT_READ | PROT_WRITE);

	/*
	 * A write-combining window of BAR `bar`: where the kernel has DMABUF
	 * export, DMABUF mmap and MEMATTR (series profiles), a DMABUF over
	 * exactly [offset, offset + length) with MEMATTR WC, mapped
	 * (Mapping::kind() == DmaBuf, memattr() == WC); otherwise, or if that
	 * path refuses the window (ENOTTY, EOPNOTSUPP, EINVAL), the classic
	 * device-fd mapping (kind() == DeviceFd, memattr() == NC). The
	 * DMABUF lives as long as the mapping. Errors: those of map_bar();
	 * ENODEV (the buffer was revoked before it could be mapped: memory
	 * disabled, no fallback because the window would fault anyway).
	 */
	Result<Mapping> map_bar_wc(unsigned bar, uint64_t offset, size_t length);

	/*
	 * VFIO_DEVICE_FEATURE_DMA_BUF: export `ranges` of BAR `bar` as one
	 * DMABUF (concatenated in order). Errors: ENOTTY (no DMABUF export in
	 * this kernel), EOPNOTSUPP (driver without support), EINVAL (no
	 * ranges, zero or unaligned range, beyond the BAR, BAR not MMIO),
	 * ENODEV (bar >= 6), EOVERFLOW, ENOMEM, EMFILE.
	 */
	Result<DmaBuf> export_dma_buf(unsigned bar, std::span<const BarRange> ranges,
				     int open_flags = O_RDWR | O_CLOEXEC);

	/* Enable `count` vectors of `index` (0: every vector), one eventfd
	 * each. Errors: EINVAL (bad index or count), ENOSPC, EMFILE (eventfd),
	 * and SET_IRQS's. */
	Result<Irqs> enable_irqs(IrqIndex index, uint32_t count = 0);

	/*
	 * Let the device reach [vaddr, vaddr + size) at `iova` (page-aligned).
	 * Errors: EEXIST (overlaps a mapping), EINVAL (unaligned, size 0),
	 * EOVERFLOW (wraps), ENOSPC (entry limit), EFAULT/ENOMEM (bad memory),
	 * ENODEV (a no-IOMMU device: no DMA mapping exists).
	 */
	Result<DmaMapping> map_dma(void *vaddr, size_t size, uint64_t iova, DmaDir dir = DmaDir::Bidirectional);

private:
	explicit Device(std::shared_ptr<detail::DeviceHandle> handle);

	std::shared_ptr<detail::DeviceHandle> handle_;
};

} /* namespace softvfio::client */
