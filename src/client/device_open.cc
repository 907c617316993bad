/* SPDX-License-Identifier: MIT */
/*
 * Opening a device by BDF: through its cdev and /dev/iommu, or through its
 * group and a container, as docs/semantics-client.md §1 and §2.1 describe the
 * way programs find the nodes.
 */
#include <algorithm>
#include <cerrno>
#include <fcntl.h>

#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

#include "client/device_handle.h"

namespace softvfio::client {

namespace {

const std::string kPciDevices = "/sys/bus/pci/devices/";

std::string basename(const std::string &path)
{
	size_t slash = path.find_last_of('/');
	return slash == std::string::npos ? path : path.substr(slash + 1);
}

Result<int> open_node(Backend &backend, const std::string &path)
{
	long fd = backend.open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(static_cast<int>(-fd), "open " + path);
	return static_cast<int>(fd);
}

/* The cdev's name in .../vfio-dev/ ("vfio3", "noiommu-vfio3"), if any. */
std::string cdev_name(Backend &backend, const std::string &bdf)
{
	auto entries = backend.list_dir(kPciDevices + bdf + "/vfio-dev");
	if (!entries)
		return {};
	for (const auto &e : *entries)
		if (e.rfind("vfio", 0) == 0 || e.rfind("noiommu-vfio", 0) == 0)
			return e;
	return {};
}

Result<void> open_cdev(detail::DeviceHandle &h)
{
	Backend &b = *h.backend;
	std::string name = cdev_name(b, h.bdf);
	if (name.empty())
		return fail(ENOENT, h.bdf + ": no vfio-dev cdev");
	h.noiommu = name.rfind("noiommu-", 0) == 0;
	auto dev = open_node(b, "/dev/vfio/devices/" + name);
	if (!dev)
		return dev.error();
	h.device_fd = *dev;
	auto iommufd = open_node(b, "/dev/iommu");
	if (!iommufd)
		return iommufd.error();
	h.iommufd = *iommufd;

	vfio_device_bind_iommufd bind{};
	bind.argsz = sizeof(bind);
	bind.iommufd = h.iommufd;
	if (auto r = h.ioctl(VFIO_DEVICE_BIND_IOMMUFD, &bind, "VFIO_DEVICE_BIND_IOMMUFD"); !r)
		return r.error();
	if (h.noiommu) {
		/* No IOAS to attach to: bound is all a no-IOMMU cdev gets. */
		h.path = AccessPath::Cdev;
		return {};
	}
	iommu_ioas_alloc alloc{};
	alloc.size = sizeof(alloc);
	if (long r = b.ioctl(h.iommufd, IOMMU_IOAS_ALLOC, &alloc); r < 0)
		return fail(static_cast<int>(-r), "IOMMU_IOAS_ALLOC");
	h.ioas_id = alloc.out_ioas_id;
	vfio_device_attach_iommufd_pt attach{};
	attach.argsz = sizeof(attach);
	attach.pt_id = h.ioas_id;
	if (auto r = h.ioctl(VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach, "VFIO_DEVICE_ATTACH_IOMMUFD_PT"); !r)
		return r.error();
	h.path = AccessPath::Cdev;
	return {};
}

Result<void> open_group(detail::DeviceHandle &h)
{
	Backend &b = *h.backend;
	auto link = b.readlink(kPciDevices + h.bdf + "/iommu_group");
	if (!link)
		return fail(link.code(), h.bdf + ": no IOMMU group");
	std::string group = basename(*link);
	std::string node = "/dev/vfio/" + group;
	if (!b.exists(node) && b.exists("/dev/vfio/noiommu-" + group)) {
		node = "/dev/vfio/noiommu-" + group;
		h.noiommu = true;
	}
	auto container = open_node(b, "/dev/vfio/vfio");
	if (!container)
		return container.error();
	h.container_fd = *container;
	auto gfd = open_node(b, node);
	if (!gfd)
		return gfd.error();
	h.group_fd = *gfd;

	vfio_group_status status{};
	status.argsz = sizeof(status);
	if (long r = b.ioctl(h.group_fd, VFIO_GROUP_GET_STATUS, &status); r < 0)
		return fail(static_cast<int>(-r), "VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return fail(EINVAL, "group " + group + " is not viable");
	int cfd = h.container_fd;
	if (long r = b.ioctl(h.group_fd, VFIO_GROUP_SET_CONTAINER, &cfd); r < 0)
		return fail(static_cast<int>(-r), "VFIO_GROUP_SET_CONTAINER");
	unsigned long type = VFIO_NOIOMMU_IOMMU;
	if (!h.noiommu)
		type = b.ioctl(h.container_fd, VFIO_CHECK_EXTENSION, uintptr_t{VFIO_TYPE1v2_IOMMU}) > 0
			       ? VFIO_TYPE1v2_IOMMU
			       : VFIO_TYPE1_IOMMU;
	if (long r = b.ioctl(h.container_fd, VFIO_SET_IOMMU, uintptr_t{type}); r < 0)
		return fail(static_cast<int>(-r), "VFIO_SET_IOMMU");
	long dev = b.ioctl(h.group_fd, VFIO_GROUP_GET_DEVICE_FD, const_cast<char *>(h.bdf.c_str()));
	if (dev < 0)
		return fail(static_cast<int>(-dev), "VFIO_GROUP_GET_DEVICE_FD " + h.bdf);
	h.device_fd = static_cast<int>(dev);
	h.path = AccessPath::Group;
	return {};
}

/* Which optional features this kernel offers (docs/semantics.md §1.1). */
Features probe_features(const Device &dev)
{
	auto has = [&](uint32_t index, uint32_t op) {
		auto r = dev.probe_feature(index, op);
		return r.ok() && *r;
	};
	Features f;
	f.dma_buf = has(VFIO_DEVICE_FEATURE_DMA_BUF, VFIO_DEVICE_FEATURE_GET);
	f.low_power = has(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, VFIO_DEVICE_FEATURE_SET);
	if (has(VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR, VFIO_DEVICE_FEATURE_SET)) {
		f.memattr = Features::Memattr::Feature14;
		if (has(VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE, VFIO_DEVICE_FEATURE_SET))
			f.revoke = Features::Revoke::Feature13;
	} else if (has(SOFTVFIO_SERIES_V2_FEATURE_DMA_BUF_MEMATTR, VFIO_DEVICE_FEATURE_GET)) {
		/* Series v2: MEMATTR is 13 with GET; REVOKE is device ioctl
		 * 122, which has no probe, and came with it. */
		f.memattr = Features::Memattr::Feature13;
		f.revoke = Features::Revoke::Ioctl122;
	}
	f.dma_buf_mmap = f.dma_buf && (f.memattr != Features::Memattr::None || f.revoke != Features::Revoke::None);
	return f;
}

} /* namespace */

detail::DeviceHandle::~DeviceHandle()
{
	for (int *fd : {&device_fd, &group_fd, &container_fd, &iommufd})
		if (*fd >= 0)
			backend->close(std::exchange(*fd, -1));
}

Result<std::vector<std::string>> list_vfio_devices(Backend &backend)
{
	auto entries = backend.list_dir(kPciDevices);
	if (!entries)
		return entries.error();
	std::vector<std::string> out;
	for (const auto &bdf : *entries) {
		auto driver = backend.readlink(kPciDevices + bdf + "/driver");
		if (driver && basename(*driver) == "vfio-pci")
			out.push_back(bdf);
	}
	std::sort(out.begin(), out.end());
	return out;
}

Result<Device> Device::open(std::shared_ptr<Backend> backend, std::string_view bdf, OpenOptions options)
{
	auto h = std::make_shared<detail::DeviceHandle>(std::move(backend));
	h->bdf = std::string(bdf);
	Backend &b = *h->backend;   /* shared by every handle below */
	if (!b.exists(kPciDevices + h->bdf))
		return fail(ENOENT, "no PCI device " + h->bdf);
	auto driver = b.readlink(kPciDevices + h->bdf + "/driver");
	if (!driver || basename(*driver) != "vfio-pci")
		return fail(ENODEV, h->bdf + " is not bound to vfio-pci");

	AccessPath path = options.path;
	bool cdev_first = path == AccessPath::Cdev ||
			  (path == AccessPath::Auto && b.exists("/dev/iommu") && !cdev_name(b, h->bdf).empty());
	auto opened = cdev_first ? open_cdev(*h) : open_group(*h);
	if (!opened && cdev_first && path == AccessPath::Auto) {
		/* A cdev this process may not use (permissions, iommufd
		 * refusing the device): the group may still work. */
		Error cdev_error = opened.error();
		auto retry = std::make_shared<detail::DeviceHandle>(h->backend);
		retry->bdf = h->bdf;
		h = std::move(retry);   /* closes the cdev first: the paths exclude each other */
		opened = open_group(*h);
		if (!opened) {
			/* The errno is the preferred way's; the text keeps both. */
			cdev_error.what += " (group fallback: " + opened.error().message() + ")";
			return cdev_error;
		}
	}
	if (!opened)
		return opened.error();
	Device dev(h);
	h->features = probe_features(dev);
	return dev;
}

} /* namespace softvfio::client */
