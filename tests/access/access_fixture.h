/* SPDX-License-Identifier: MIT */
/*
 * AccessTest: a Kernel whose devices are reached the way programs reach
 * them, through the device nodes (/dev/vfio/vfio, /dev/vfio/<n>,
 * /dev/vfio/devices/vfio<N>, /dev/iommu), with the raw uAPI, and helpers
 * for the container/type1 and edu sequences of the real-kernel guest test.
 */
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <string>
#include <sys/mman.h>
#include <vector>

#include <gtest/gtest.h>

#include <softvfio/kernel.h>
#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

namespace softvfio::test {

/* The guest's layout: ivshmem-plain at 00:01.0 in group 1, edu at 00:02.0
 * in group 2. */
inline const char *const kIvshmem = "0000:00:01.0";
inline const char *const kEdu = "0000:00:02.0";
inline constexpr uint64_t kBar0 = 0;
inline constexpr uint64_t kConfigRegion = uint64_t(VFIO_PCI_CONFIG_REGION_INDEX) << 40;

class AccessTest : public ::testing::Test
{
protected:
	AccessTest() : kernel_(std::make_unique<Kernel>()) {}

	/* Start over with other kernel options (before adding devices). */
	void configure(KernelOptions options) { kernel_ = std::make_unique<Kernel>(options); }
	void configure(AccessPaths paths)
	{
		KernelOptions options;
		options.access = paths;
		configure(options);
	}

	std::string add(const char *preset, const std::string &bdf, unsigned group,
			ProfileId profile = ProfileId::SeriesV4)
	{
		auto desc = softvfio::preset(preset);
		EXPECT_TRUE(desc) << preset;
		DeviceOptions options;
		options.bdf = bdf;
		options.iommu_group = group;
		options.profile = profile;
		auto got = kernel_->add_device(*desc, options);
		EXPECT_TRUE(got) << preset;
		return got ? *got : std::string();
	}
	void add_guest_devices(ProfileId profile = ProfileId::SeriesV4)
	{
		add("ivshmem-plain", kIvshmem, 1, profile);
		add("edu", kEdu, 2, profile);
	}

	/* open(2) of a node: the fd (closed at teardown) or -errno. */
	long open_node(const std::string &path, int flags = O_RDWR | O_CLOEXEC)
	{
		long fd = kernel_->open(path.c_str(), flags);
		if (fd >= 0)
			fds_.push_back(static_cast<int>(fd));
		return fd;
	}
	int must_open(const std::string &path, int flags = O_RDWR | O_CLOEXEC)
	{
		long fd = open_node(path, flags);
		EXPECT_GE(fd, 0) << path << ": " << std::strerror(static_cast<int>(-fd));
		return static_cast<int>(fd);
	}
	void close_fd(int fd)
	{
		kernel_->close(fd);
		std::erase(fds_, fd);
	}
	long ioctl(int fd, unsigned long cmd, const void *arg)
	{
		return kernel_->ioctl(fd, cmd, reinterpret_cast<uintptr_t>(arg));
	}
	long ioctl(int fd, unsigned long cmd, uintptr_t arg) { return kernel_->ioctl(fd, cmd, arg); }

	/* --- the legacy path --- */
	struct Type1 {
		int container = -1;
		int group = -1;
		int device = -1;
	};
	/* open container, group; SET_CONTAINER; SET_IOMMU; GET_DEVICE_FD */
	Type1 type1(const std::string &bdf, unsigned group, unsigned long type = VFIO_TYPE1v2_IOMMU)
	{
		Type1 t;
		t.container = must_open("/dev/vfio/vfio");
		t.group = must_open("/dev/vfio/" + std::to_string(group));
		EXPECT_EQ(ioctl(t.group, VFIO_GROUP_SET_CONTAINER, &t.container), 0);
		EXPECT_EQ(ioctl(t.container, VFIO_SET_IOMMU, type), 0);
		t.device = device_fd(t.group, bdf);
		return t;
	}
	int device_fd(int group, const std::string &bdf)
	{
		long fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf.c_str());
		EXPECT_GE(fd, 0) << std::strerror(static_cast<int>(-fd));
		if (fd >= 0)
			fds_.push_back(static_cast<int>(fd));
		return static_cast<int>(fd);
	}
	long map_dma(int container, const void *vaddr, uint64_t iova, uint64_t size,
		     uint32_t flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
	{
		vfio_iommu_type1_dma_map map{};
		map.argsz = sizeof(map);
		map.flags = flags;
		map.vaddr = reinterpret_cast<uintptr_t>(vaddr);
		map.iova = iova;
		map.size = size;
		return ioctl(container, VFIO_IOMMU_MAP_DMA, &map);
	}
	/* UNMAP_DMA; `unmapped` gets the size written back. */
	long unmap_dma(int container, uint64_t iova, uint64_t size, uint32_t flags = 0, uint64_t *unmapped = nullptr)
	{
		vfio_iommu_type1_dma_unmap unmap{};
		unmap.argsz = sizeof(unmap);
		unmap.flags = flags;
		unmap.iova = iova;
		unmap.size = size;
		long r = ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap);
		if (unmapped)
			*unmapped = unmap.size;
		return r;
	}

	/* --- memory --- */
	uint8_t *pages(size_t count, int prot = PROT_READ | PROT_WRITE)
	{
		size_t len = count * 4096;
		void *p = ::mmap(nullptr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		EXPECT_NE(p, MAP_FAILED);
		maps_.emplace_back(p, len);
		return static_cast<uint8_t *>(p);
	}

	/* --- edu, through the region (mmap writes do not reach registers) --- */
	void cfg_write16(int dev, uint32_t off, uint16_t v)
	{
		EXPECT_EQ(kernel_->pwrite(dev, &v, 2, static_cast<off_t>(kConfigRegion + off)), 2);
	}
	uint16_t cfg_read16(int dev, uint32_t off)
	{
		uint16_t v = 0xffff;
		EXPECT_EQ(kernel_->pread(dev, &v, 2, static_cast<off_t>(kConfigRegion + off)), 2);
		return v;
	}
	void bus_master(int dev) { cfg_write16(dev, 0x04, cfg_read16(dev, 0x04) | 0x6); }
	void edu_write64(int dev, uint64_t reg, uint64_t v)
	{
		EXPECT_EQ(kernel_->pwrite(dev, &v, 8, static_cast<off_t>(kBar0 + reg)), 8);
	}
	/* One edu transfer: 0x80 source, 0x88 destination, 0x90 count, 0x98
	 * command (1 start, 2 device to RAM). Completes synchronously. */
	void edu_dma(int dev, uint64_t src, uint64_t dst, uint64_t count, uint64_t cmd)
	{
		edu_write64(dev, 0x80, src);
		edu_write64(dev, 0x88, dst);
		edu_write64(dev, 0x90, count);
		edu_write64(dev, 0x98, cmd);
	}
	uint64_t faults(const std::string &bdf) { return kernel_->device_state(bdf)->iommu_faults; }

	void TearDown() override
	{
		for (auto it = fds_.rbegin(); it != fds_.rend(); ++it)
			kernel_->close(*it);
		fds_.clear();
		for (auto [p, len] : maps_)
			::munmap(p, len);
		maps_.clear();
	}

	std::unique_ptr<Kernel> kernel_;
	std::vector<int> fds_;
	std::vector<std::pair<void *, size_t>> maps_;
};

} /* namespace softvfio::test */
