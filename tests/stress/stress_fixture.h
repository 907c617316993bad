/* SPDX-License-Identifier: MIT */
/*
 * A Kernel with nic devices and the raw-uAPI helpers the stress tests
 * share; every helper is safe to call from any thread. No sleeps: threads
 * meet through atomics, and loops run until a deadline.
 */
#pragma once

#include <atomic>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <string>
#include <sys/mman.h>
#include <thread>

#include <gtest/gtest.h>

#include <softvfio/kernel.h>
#include <softvfio/uapi/vfio.h>

#include "support/guarded_access.h"

namespace softvfio::stress {

using test::Access;
using test::guarded_read;

constexpr uint64_t kPage = 4096;
constexpr uint64_t kBar2 = 2ull << 40;
constexpr uint64_t kConfig = 7ull << 40;
constexpr int kRW = PROT_READ | PROT_WRITE;

/* The word every page of BAR2's first 1 MiB holds. */
constexpr uint32_t pattern(uint64_t bar_off) { return 0x5a000000u | static_cast<uint32_t>(bar_off >> 12); }

class Stress
{
public:
	Stress()
	{
		auto bdf = kernel.add_device(*preset("nic"));
		EXPECT_TRUE(bdf);
		bdf_ = *bdf;
		fd = static_cast<int>(kernel.open_device(bdf_));
		EXPECT_GE(fd, 0);
		for (uint64_t off = 0; off < (1u << 20); off += kPage) {
			uint32_t v = pattern(off);
			EXPECT_EQ(kernel.pwrite(fd, &v, 4, static_cast<off_t>(kBar2 + off)), 4);
		}
	}
	~Stress()
	{
		kernel.close(fd);
		kernel.flush_deferred_releases();
	}

	const std::string &bdf() const { return bdf_; }

	long set_memory(int dev_fd, bool on)
	{
		uint16_t cmd = 0;
		if (kernel.pread(dev_fd, &cmd, 2, static_cast<off_t>(kConfig + 4)) != 2)
			return -EIO;
		cmd = on ? uint16_t(cmd | 2) : uint16_t(cmd & ~2);
		return kernel.pwrite(dev_fd, &cmd, 2, static_cast<off_t>(kConfig + 4));
	}

	long export_buf(int dev_fd, uint64_t offset, uint64_t length)
	{
		uint8_t arg[sizeof(vfio_device_feature) + sizeof(vfio_device_feature_dma_buf) +
			    sizeof(vfio_region_dma_range)] = {};
		vfio_device_feature hdr{sizeof(arg), VFIO_DEVICE_FEATURE_DMA_BUF | VFIO_DEVICE_FEATURE_GET};
		vfio_device_feature_dma_buf req{2, O_RDWR | O_CLOEXEC, 0, 1};
		vfio_region_dma_range range{offset, length};
		std::memcpy(arg, &hdr, sizeof(hdr));
		std::memcpy(arg + sizeof(hdr), &req, sizeof(req));
		std::memcpy(arg + sizeof(hdr) + sizeof(req), &range, sizeof(range));
		return kernel.ioctl(dev_fd, VFIO_DEVICE_FEATURE, arg);
	}

	long revoke(int dev_fd, int buf_fd)
	{
		uint8_t arg[sizeof(vfio_device_feature) + sizeof(vfio_device_feature_dma_buf_revoke)] = {};
		vfio_device_feature hdr{sizeof(arg), VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE | VFIO_DEVICE_FEATURE_SET};
		std::memcpy(arg, &hdr, sizeof(hdr));
		std::memcpy(arg + sizeof(hdr), &buf_fd, sizeof(buf_fd));
		return kernel.ioctl(dev_fd, VFIO_DEVICE_FEATURE, arg);
	}

	/* Address, or 0 with the errno in *error. */
	uintptr_t map(int fd_to_map, uint64_t offset, uint64_t length, long *error = nullptr)
	{
		long r = kernel.mmap(nullptr, length, PROT_READ, MAP_SHARED, fd_to_map, static_cast<off_t>(offset));
		if (error)
			*error = r < 0 ? r : 0;
		return r < 0 ? 0 : static_cast<uintptr_t>(r);
	}

	Kernel kernel;
	int fd = -1;

private:
	std::string bdf_;
};

/* A wall-clock budget for loops (not synchronisation). */
class Deadline
{
public:
	explicit Deadline(std::chrono::milliseconds budget) : end_(std::chrono::steady_clock::now() + budget) {}
	bool passed() const { return std::chrono::steady_clock::now() >= end_; }

private:
	std::chrono::steady_clock::time_point end_;
};

inline void spin_until(const std::function<bool()> &done)
{
	while (!done())
		std::this_thread::yield();
}

} /* namespace softvfio::stress */
