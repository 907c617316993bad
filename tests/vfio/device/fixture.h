/* SPDX-License-Identifier: MIT */
/*
 * A Kernel with one preset device, opened the way a program would, and
 * small uAPI helpers. Tests speak the raw uAPI through Kernel entry points.
 */
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <sys/mman.h>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <softvfio/kernel.h>
#include <softvfio/uapi/vfio.h>

#include "support/tracked_mappings.h"

namespace softvfio::test {

constexpr uint64_t region_offset(unsigned index) { return uint64_t(index) << 40; }
constexpr uint64_t kConfig = region_offset(VFIO_PCI_CONFIG_REGION_INDEX);

class DeviceTest : public ::testing::Test
{
protected:
	/* Add `preset` under `profile` and open it; fails the test if it can't. */
	void open(const char *preset, ProfileId profile = ProfileId::SeriesV4, DeviceOptions options = {})
	{
		auto desc = softvfio::preset(preset);
		ASSERT_TRUE(desc) << preset;
		options.profile = profile;
		auto bdf = kernel_.add_device(*desc, options);
		ASSERT_TRUE(bdf);
		bdf_ = *bdf;
		fd_ = static_cast<int>(kernel_.open_device(bdf_));
		ASSERT_GE(fd_, 0);
	}

	void TearDown() override
	{
		maps_.unmap_all();
		if (fd_ >= 0)
			kernel_.close(fd_);
	}

	long ioctl(unsigned long cmd, void *arg) { return kernel_.ioctl(fd_, cmd, arg); }
	long ioctl(unsigned long cmd, uintptr_t arg) { return kernel_.ioctl(fd_, cmd, arg); }

	template<typename T>
	T cfg_read(uint32_t off)
	{
		T v{};
		EXPECT_EQ(kernel_.pread(fd_, &v, sizeof(v), kConfig + off), long(sizeof(v)));
		return v;
	}
	template<typename T>
	long cfg_write(uint32_t off, T v)
	{
		return kernel_.pwrite(fd_, &v, sizeof(v), kConfig + off);
	}

	/* Set or clear PCI_COMMAND.MEMORY with a 2-byte config write. */
	void set_memory(bool on)
	{
		uint16_t cmd = cfg_read<uint16_t>(0x04);
		cmd = on ? (cmd | 0x2) : (cmd & ~0x2);
		ASSERT_EQ(cfg_write<uint16_t>(0x04, cmd), 2);
	}

	vfio_region_info region(unsigned index)
	{
		vfio_region_info info{};
		info.argsz = sizeof(info);
		info.index = index;
		EXPECT_EQ(ioctl(VFIO_DEVICE_GET_REGION_INFO, &info), 0) << "region " << index;
		return info;
	}

	/* mmap through the device fd; unmapped at teardown. */
	void *map(uint64_t offset, size_t length, int prot = PROT_READ | PROT_WRITE, int flags = MAP_SHARED)
	{
		return maps_.map(nullptr, length, prot, flags, fd_, offset);
	}
	long map_errno(uint64_t offset, size_t length, int flags = MAP_SHARED)
	{
		return maps_.map_errno(fd_, offset, length, PROT_READ | PROT_WRITE, flags);
	}

	Kernel kernel_;
	std::string bdf_;
	int fd_ = -1;
	TrackedMappings maps_{kernel_};
};

} /* namespace softvfio::test */
