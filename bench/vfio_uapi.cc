/* SPDX-License-Identifier: MIT */
#include "vfio_uapi.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

#include "dma_buf_request.h"

namespace softvfio::bench::uapi {

void die(const char *what)
{
	std::fprintf(stderr, "bench: %s failed: %s\n", what, std::strerror(errno));
	std::abort();
}

int open_device()
{
	const char *bdf = std::getenv("SOFTVFIO_BENCH_BDF");
	if (!bdf || !*bdf)
		bdf = "5f00:00:01.0";
	char link[256], path[300];
	std::snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0) {
		std::fprintf(stderr, "bench: no software device %s (run under softvfio run)\n", bdf);
		std::abort();
	}
	link[n] = '\0';
	int container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (container < 0)
		die("open /dev/vfio/vfio");
	std::snprintf(path, sizeof(path), "/dev/vfio/%s", std::strrchr(link, '/') + 1);
	int group = open(path, O_RDWR | O_CLOEXEC);
	if (group < 0)
		die("open the group");
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0)
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
		die("VFIO_SET_IOMMU");
	int device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (device < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	/* The group and container stay open: the device fd needs them for
	 * as long as the program runs, as on Linux. */
	return device;
}

vfio_region_info region(int device, unsigned index)
{
	vfio_region_info info{};
	info.argsz = sizeof(info);
	info.index = index;
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &info) < 0)
		die("VFIO_DEVICE_GET_REGION_INFO");
	return info;
}

long feature(int device, uint32_t flags, const void *payload, size_t size)
{
	/* vfio_device_feature is 8-byte aligned with a flexible payload. */
	std::vector<uint64_t> storage((sizeof(vfio_device_feature) + size + 7) / 8);
	auto *f = reinterpret_cast<vfio_device_feature *>(storage.data());
	f->argsz = static_cast<uint32_t>(sizeof(vfio_device_feature) + size);
	f->flags = flags;
	std::memcpy(f->data, payload, size);
	return ioctl(device, VFIO_DEVICE_FEATURE, f);
}

int export_bar(int device, unsigned bar, uint64_t offset, uint64_t length)
{
	const DmaBufRequest p = dma_buf_request(bar, offset, length);
	long fd = feature(device, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF, p.data(), p.size());
	if (fd < 0)
		die("DMA_BUF export");
	return static_cast<int>(fd);
}

void revoke(int device, int buf)
{
	vfio_device_feature_dma_buf_revoke r{};
	r.dmabuf_fd = buf;
	if (feature(device, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE, &r, sizeof(r)) < 0)
		die("DMA_BUF_REVOKE");
}

void *map(int fd, size_t length, off_t offset)
{
	void *p = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

CommandRegister::CommandRegister(int device)
	: device_(device), offset_(static_cast<off_t>(region(device, VFIO_PCI_CONFIG_REGION_INDEX).offset + 4))
{
	if (pread(device_, &value_, sizeof(value_), offset_) != sizeof(value_))
		die("config read of PCI_COMMAND");
}

void CommandRegister::set_memory(bool on)
{
	constexpr uint16_t kMemory = 0x2;
	value_ = on ? static_cast<uint16_t>(value_ | kMemory) : static_cast<uint16_t>(value_ & ~kMemory);
	if (pwrite(device_, &value_, sizeof(value_), offset_) != sizeof(value_))
		die("config write of PCI_COMMAND");
}

} /* namespace softvfio::bench::uapi */
