/* SPDX-License-Identifier: MIT */
/*
 * IOMMU_IOAS_MAP_FILE: a memfd, and a vfio DMABUF through the private
 * interconnect (docs/semantics.md §4.10): peer-to-peer DMA from edu
 * into ivshmem's BAR2, revocation invalidating the mapping, and the
 * import's errno rows.
 */
#include <numeric>
#include <sys/mman.h>
#include <unistd.h>

#include "access/access_fixture.h"

namespace softvfio::test {
namespace {

constexpr uint32_t kRW = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
constexpr uint64_t kBar2 = uint64_t(2) << 40;

class MapFile : public AccessTest
{
protected:
	void SetUp() override
	{
		add_guest_devices();
		iommufd_ = must_open("/dev/iommu");
		edu_ = must_open("/dev/vfio/devices/vfio1");
		vfio_device_bind_iommufd b{};
		b.argsz = sizeof(b);
		b.iommufd = iommufd_;
		ASSERT_EQ(ioctl(edu_, VFIO_DEVICE_BIND_IOMMUFD, &b), 0);
		iommu_ioas_alloc a{};
		a.size = sizeof(a);
		ASSERT_EQ(ioctl(iommufd_, IOMMU_IOAS_ALLOC, &a), 0);
		ioas_ = a.out_ioas_id;
		vfio_device_attach_iommufd_pt at{};
		at.argsz = sizeof(at);
		at.pt_id = ioas_;
		ASSERT_EQ(ioctl(edu_, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
		bus_master(edu_);
	}
	long map_file(int fd, uint64_t start, uint64_t length, uint64_t iova)
	{
		iommu_ioas_map_file m{};
		m.size = sizeof(m);
		m.flags = kRW | IOMMU_IOAS_MAP_FIXED_IOVA;
		m.ioas_id = ioas_;
		m.fd = fd;
		m.start = start;
		m.length = length;
		m.iova = iova;
		return ioctl(iommufd_, IOMMU_IOAS_MAP_FILE, &m);
	}
	/* ivshmem through the group path; its BAR2 exported as a DMABUF. */
	int ivshmem()
	{
		auto t = type1(kIvshmem, 1);
		return t.device;
	}
	long export_bar2(int dev, std::vector<vfio_region_dma_range> ranges)
	{
		std::vector<uint8_t> buf(sizeof(vfio_device_feature) + sizeof(vfio_device_feature_dma_buf) +
					 ranges.size() * sizeof(vfio_region_dma_range));
		vfio_device_feature hdr{};
		hdr.argsz = static_cast<uint32_t>(buf.size());
		hdr.flags = VFIO_DEVICE_FEATURE_DMA_BUF | VFIO_DEVICE_FEATURE_GET;
		vfio_device_feature_dma_buf req{};
		req.region_index = 2;
		req.open_flags = O_RDWR | O_CLOEXEC;
		req.nr_ranges = static_cast<uint32_t>(ranges.size());
		std::memcpy(buf.data(), &hdr, sizeof(hdr));
		std::memcpy(buf.data() + sizeof(hdr), &req, sizeof(req));
		if (!ranges.empty())
			std::memcpy(buf.data() + sizeof(hdr) + sizeof(req), ranges.data(),
				    ranges.size() * sizeof(vfio_region_dma_range));
		long fd = ioctl(dev, VFIO_DEVICE_FEATURE, buf.data());
		if (fd >= 0)
			fds_.push_back(static_cast<int>(fd));
		return fd;
	}
	/* A 16-byte marker through edu: RAM(src) -> edu -> IOVA dst. */
	void dma_marker(uint8_t *src, uint64_t dst)
	{
		ASSERT_EQ(map_file(scratch_fd(), 0, 4096, 0x900000), 0);
		(void)src;
		edu_dma(edu_, 0x900000, 0x40000, 16, 1);
		edu_dma(edu_, 0x40000, dst, 16, 1 | 2);
	}
	int scratch_fd()
	{
		if (scratch_ < 0) {
			scratch_ = ::memfd_create("scratch", MFD_CLOEXEC);
			EXPECT_EQ(::ftruncate(scratch_, 4096), 0);
			const char marker[16] = "P2P-MARKER";
			EXPECT_EQ(::pwrite(scratch_, marker, sizeof(marker), 0), 16);
		}
		return scratch_;
	}
	void TearDown() override
	{
		AccessTest::TearDown();
		if (scratch_ >= 0)
			::close(scratch_);
	}
	int iommufd_ = -1, edu_ = -1, scratch_ = -1;
	uint32_t ioas_ = 0;
};

/* A memfd's pages are what the device reads and writes. */
TEST_F(MapFile, MemfdIsDmaMemory)
{
	int fd = ::memfd_create("dma", MFD_CLOEXEC);
	ASSERT_EQ(::ftruncate(fd, 8192), 0);
	ASSERT_EQ(::pwrite(fd, "hello-memfd", 12, 0), 12);
	ASSERT_EQ(map_file(fd, 0, 8192, 0x100000), 0);
	edu_dma(edu_, 0x100000, 0x40000, 12, 1);
	edu_dma(edu_, 0x40000, 0x101000, 12, 1 | 2);
	char back[12] = {};
	EXPECT_EQ(::pread(fd, back, 12, 4096), 12);
	EXPECT_STREQ(back, "hello-memfd");
	::close(fd);
}

/* Pinned when a domain is there: a range past the end is EINVAL. */
TEST_F(MapFile, MemfdPastEndIsEinval)
{
	int fd = ::memfd_create("short", MFD_CLOEXEC);
	ASSERT_EQ(::ftruncate(fd, 4096), 0);
	EXPECT_EQ(map_file(fd, 0, 8192, 0x100000), -EINVAL);
	::close(fd);
}

TEST_F(MapFile, ClosedFdIsEbadf)
{
	EXPECT_EQ(map_file(999, 0, 4096, 0x100000), -EBADF);
}

/* An emulated file that is not a dma-buf cannot be mapped. */
TEST_F(MapFile, DeviceFdIsEinval)
{
	EXPECT_EQ(map_file(edu_, 0, 4096, 0x100000), -EINVAL);
}

TEST_F(MapFile, FlagRows)
{
	iommu_ioas_map_file m{};
	m.size = sizeof(m);
	m.ioas_id = ioas_;
	m.fd = scratch_fd();
	m.length = 4096;
	EXPECT_EQ(ioctl(iommufd_, IOMMU_IOAS_MAP_FILE, &m), -EINVAL);
	m.flags = kRW | (1u << 4);
	EXPECT_EQ(ioctl(iommufd_, IOMMU_IOAS_MAP_FILE, &m), -EOPNOTSUPP);
	m.flags = kRW;
	m.ioas_id = 60;
	EXPECT_EQ(ioctl(iommufd_, IOMMU_IOAS_MAP_FILE, &m), -ENOENT);
}

/* Peer-to-peer: edu writes into ivshmem's BAR2 through the DMABUF. */
TEST_F(MapFile, DmabufPeerToPeer)
{
	int ivs = ivshmem();
	long buf = export_bar2(ivs, {{0x10000, 0x4000}});
	ASSERT_GE(buf, 0);
	ASSERT_EQ(map_file(static_cast<int>(buf), 0x1000, 0x2000, 0x200000), 0);
	dma_marker(nullptr, 0x200000);
	char back[16] = {};
	ASSERT_EQ(kernel_->pread(ivs, back, 16, static_cast<off_t>(kBar2 + 0x11000)), 16);
	EXPECT_STREQ(back, "P2P-MARKER");
}

/* Revoking the buffer (memory disabled) stops the mapping for good. */
TEST_F(MapFile, RevokeInvalidatesMapping)
{
	int ivs = ivshmem();
	long buf = export_bar2(ivs, {{0, 0x4000}});
	ASSERT_GE(buf, 0);
	ASSERT_EQ(map_file(static_cast<int>(buf), 0, 0x4000, 0x200000), 0);
	uint16_t cmd = cfg_read16(ivs, 0x04);
	cfg_write16(ivs, 0x04, cmd & ~0x2);
	cfg_write16(ivs, 0x04, cmd);
	uint64_t before = faults(kEdu);
	dma_marker(nullptr, 0x200000);
	char back[16] = {};
	ASSERT_EQ(kernel_->pread(ivs, back, 16, static_cast<off_t>(kBar2)), 16);
	EXPECT_NE(std::string(back), "P2P-MARKER");
	EXPECT_EQ(faults(kEdu), before + 1);
}

TEST_F(MapFile, RevokedBufferIsEnodev)
{
	int ivs = ivshmem();
	long buf = export_bar2(ivs, {{0, 0x4000}});
	ASSERT_GE(buf, 0);
	cfg_write16(ivs, 0x04, cfg_read16(ivs, 0x04) & ~0x2);
	EXPECT_EQ(map_file(static_cast<int>(buf), 0, 0x4000, 0x200000), -ENODEV);
}

TEST_F(MapFile, MultiRangeBufferIsEopnotsupp)
{
	int ivs = ivshmem();
	long buf = export_bar2(ivs, {{0, 0x1000}, {0x8000, 0x1000}});
	ASSERT_GE(buf, 0);
	EXPECT_EQ(map_file(static_cast<int>(buf), 0, 0x2000, 0x200000), -EOPNOTSUPP);
}

TEST_F(MapFile, PastBufferEndIsEinval)
{
	int ivs = ivshmem();
	long buf = export_bar2(ivs, {{0, 0x4000}});
	ASSERT_GE(buf, 0);
	EXPECT_EQ(map_file(static_cast<int>(buf), 0x1000, 0x4000, 0x200000), -EINVAL);
}

/* Unmapping drops the import: the buffer has no importer left. */
TEST_F(MapFile, UnmapDetaches)
{
	int ivs = ivshmem();
	long buf = export_bar2(ivs, {{0, 0x4000}});
	ASSERT_GE(buf, 0);
	ASSERT_EQ(map_file(static_cast<int>(buf), 0, 0x4000, 0x200000), 0);
	auto id = kernel_->buffer_id(static_cast<int>(buf));
	ASSERT_TRUE(id);
	auto attached = [&] {
		for (auto &b : kernel_->buffers())
			if (b.id == *id)
				return b.attachments;
		return size_t(99);
	};
	EXPECT_EQ(attached(), 1u);
	iommu_ioas_unmap u{};
	u.size = sizeof(u);
	u.ioas_id = ioas_;
	u.iova = 0;
	u.length = UINT64_MAX;
	ASSERT_EQ(ioctl(iommufd_, IOMMU_IOAS_UNMAP, &u), 0);
	EXPECT_EQ(attached(), 0u);
}

} /* namespace */
} /* namespace softvfio::test */
