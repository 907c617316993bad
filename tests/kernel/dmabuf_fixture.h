/* SPDX-License-Identifier: MIT */
/*
 * End-to-end DMABUF tests: a Kernel with one preset device opened the way a
 * program opens it, and helpers that speak the raw uAPI (features built
 * byte for byte, mmap through Kernel entry points).
 */
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <vector>

#include <gtest/gtest.h>

#include <softvfio/kernel.h>
#include <softvfio/uapi/dma-buf.h>
#include <softvfio/uapi/vfio.h>

#include "support/guarded_access.h"
#include "support/tracked_mappings.h"

namespace softvfio::test {

constexpr uint64_t kPage = 4096;
constexpr uint64_t k2M = 2ull << 20;
constexpr uint64_t k1G = 1ull << 30;
constexpr int kRW = PROT_READ | PROT_WRITE;
constexpr uint64_t region_offset(unsigned index) { return uint64_t(index) << 40; }
constexpr uint64_t kConfigRegion = region_offset(VFIO_PCI_CONFIG_REGION_INDEX);
constexpr uint32_t kGet = VFIO_DEVICE_FEATURE_GET;
constexpr uint32_t kSet = VFIO_DEVICE_FEATURE_SET;
constexpr uint32_t kProbe = VFIO_DEVICE_FEATURE_PROBE;
/* nic's BAR2: 4 GiB at bus address 0x80_0000_0000. */
constexpr uint64_t kNicBar2 = 0x8000000000ull;

using RangeList = std::vector<vfio_region_dma_range>;

/* DeviceOptions without CONFIG_VFIO_PCI_DMABUF, or without driver support. */
inline DeviceOptions no_dmabuf_config()
{
	DeviceOptions o;
	o.dmabuf_config = false;
	o.dmabuf_support = false;
	return o;
}
inline DeviceOptions no_dmabuf_support()
{
	DeviceOptions o;
	o.dmabuf_support = false;
	return o;
}
inline DeviceOptions with_profile(ProfileId id)
{
	DeviceOptions o;
	o.profile = id;
	return o;
}

class DmabufTest : public ::testing::Test
{
protected:
	void TearDown() override;

	/* Add `preset` under `profile` and open it. */
	void open(const char *preset = "nic", ProfileId profile = ProfileId::SeriesV4, DeviceOptions options = {});
	void open_desc(const DeviceDescription &desc, ProfileId profile = ProfileId::SeriesV4,
		       DeviceOptions options = {});
	/* A second fd on the same device (another open file description). */
	int open_again();

	/* VFIO_DEVICE_FEATURE with `payload` after the header; argsz is the
	 * header plus `argsz_payload` (default: the payload's size). */
	long feature(uint32_t flags, const void *payload, size_t payload_size, long argsz_payload = -1);
	long feature(uint32_t flags) { return feature(flags, nullptr, 0); }

	/* Export ranges of `bar`; the fd, or -errno. */
	long export_buf(unsigned bar, const RangeList &ranges, uint32_t open_flags = O_RDWR | O_CLOEXEC);
	long export_buf(unsigned bar, uint64_t offset, uint64_t length, uint32_t open_flags = O_RDWR | O_CLOEXEC)
	{
		return export_buf(bar, RangeList{{offset, length}}, open_flags);
	}
	/* REVOKE through the profile's entry point (feature 13 or ioctl 122). */
	long revoke(int dmabuf_fd, int device_fd = -1);
	/* MEMATTR SET (and GET in series-v2). */
	long memattr(int dmabuf_fd, uint32_t value, uint32_t op = kSet, uint32_t *out = nullptr);

	/* mmap through the device fd / a dma-buf fd; unmapped at teardown. */
	void *map_bar(uint64_t offset, size_t length, int prot = kRW, int flags = MAP_SHARED, void *addr = nullptr);
	void *map_buf(int fd, size_t length, uint64_t offset = 0, int prot = kRW, int flags = MAP_SHARED);
	/* The errno of a mapping attempt (0 if it succeeded; then unmapped). */
	long map_errno(int fd, uint64_t offset, size_t length, int prot = kRW, int flags = MAP_SHARED);
	long unmap(void *addr, size_t length);

	/* PCI_COMMAND.MEMORY through a 2-byte config pwrite. */
	void set_memory(bool on);
	uint16_t config16(uint32_t off);
	/* Offset of a standard capability in config space (0: none). */
	uint8_t find_cap(uint8_t id);
	long config_write16(uint32_t off, uint16_t value);
	long config_write32(uint32_t off, uint32_t value);

	BufferInfo buffer(uint64_t id);
	BufferInfo buffer_of(int dmabuf_fd);
	/* The hidden BAR-mmap buffers of the current device. */
	std::vector<BufferInfo> hidden_buffers();
	std::optional<MappingInfo> mapping(const void *addr);
	DeviceState state();

	/* Guarded accesses (uninstrumented, so usable under sanitizers). */
	bool sigbus(const void *addr);
	bool readable(const void *addr) { return !guarded_read(addr).faulted; }
	uint32_t read32(const void *addr);
	void write32(void *addr, uint32_t value);

	Kernel kernel_;
	ProfileId profile_ = ProfileId::SeriesV4;
	std::string bdf_;
	int fd_ = -1;
	std::vector<int> fds_;    /* closed at teardown if still open */
	TrackedMappings maps_{kernel_};
};

} /* namespace softvfio::test */
