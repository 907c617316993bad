/* SPDX-License-Identifier: MIT */
/*
 * Lifetimes (docs/semantics.md §4.9, §6 items 3-5): the eight scenarios of
 * the RFC test program and the cover letter, plus the cleanup and release
 * rules around them. Scenarios 4-7 also have detailed tests in
 * revoke_test.cc; here they run as the scenario describes them.
 */
#include <unistd.h>

#include "kernel/dmabuf_fixture.h"

namespace softvfio::test {
namespace {

class LifetimeTest : public DmabufTest
{
protected:
	void SetUp() override { open("nic"); }

	void close_device()
	{
		ASSERT_EQ(kernel_.close(fd_), 0);
		std::erase(fds_, fd_);
		fd_ = -1;
	}
	void reopen_device()
	{
		fd_ = static_cast<int>(kernel_.open_device(bdf_));
		ASSERT_GE(fd_, 0);
		fds_.push_back(fd_);
	}
};

/* 1: the VMA → hidden buffer → device file chain keeps the device open;
 * exported DMABUF mappings keep working. */
TEST_F(LifetimeTest, Scenario1CloseDeviceWhileBarMappingExists)
{
	int buf = static_cast<int>(export_buf(2, 0x1000, kPage));
	void *exported = map_buf(buf, kPage);
	void *bar = map_bar(region_offset(2), 0x10000);
	ASSERT_NE(exported, MAP_FAILED);
	ASSERT_NE(bar, MAP_FAILED);
	write32(static_cast<uint8_t *>(bar) + 0x1000, 0x51);
	close_device();
	EXPECT_EQ(state().open_count, 1u);
	EXPECT_EQ(read32(exported), 0x51u);
	EXPECT_TRUE(buffer_of(buf).attached);
	EXPECT_EQ(buffer_of(buf).status, BufferStatus::Ok);
}

/* 2: then munmap the BAR VMA: the device closes and cleans up; exported
 * mappings SIGBUS, new mmaps are ENODEV, and REVOKE/MEMATTR from a newly
 * opened device fd are ENODEV. */
TEST_F(LifetimeTest, Scenario2ThenMunmapTheBarMapping)
{
	int buf = static_cast<int>(export_buf(2, 0x1000, kPage));
	void *exported = map_buf(buf, kPage);
	void *bar = map_bar(region_offset(2), 0x10000);
	close_device();
	ASSERT_EQ(unmap(bar, 0x10000), 0);
	EXPECT_EQ(state().open_count, 0u);
	EXPECT_TRUE(sigbus(exported));
	EXPECT_EQ(map_errno(buf, 0, kPage), -ENODEV);
	BufferInfo b = buffer_of(buf);
	EXPECT_FALSE(b.attached);
	EXPECT_EQ(b.status, BufferStatus::TempRevoked);
	reopen_device();
	EXPECT_EQ(revoke(buf), -ENODEV);
	EXPECT_EQ(memattr(buf, VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_WC), -ENODEV);
}

/* 3: the VMA holds the dma-buf file. */
TEST_F(LifetimeTest, Scenario3CloseDmabufFdWhileMapped)
{
	int buf = static_cast<int>(export_buf(2, 0x2000, kPage));
	void *p = map_buf(buf, kPage);
	write32(p, 0x33);
	uint64_t id = *kernel_.buffer_id(buf);
	ASSERT_EQ(kernel_.close(buf), 0);
	std::erase(fds_, buf);
	EXPECT_EQ(read32(p), 0x33u);
	EXPECT_EQ(buffer(id).mappings, 1u);
	EXPECT_EQ(state().buffers, 1u);
	/* Still revocable by the device. */
	set_memory(false);
	EXPECT_TRUE(sigbus(p));
	set_memory(true);
	EXPECT_EQ(read32(p), 0x33u);
	ASSERT_EQ(unmap(p, kPage), 0);
	EXPECT_TRUE(kernel_.buffers().empty());
	EXPECT_EQ(state().buffers, 0u);
}

/* 4: a dup refers to the same buffer; every VMA (double mappings too)
 * faults afterwards. */
TEST_F(LifetimeTest, Scenario4RevokeThroughDup)
{
	int buf = static_cast<int>(export_buf(2, 0, 2 * kPage));
	void *a = map_buf(buf, 2 * kPage);
	void *b = map_buf(buf, kPage, kPage);
	int dup = static_cast<int>(kernel_.dup(buf));
	fds_.push_back(dup);
	ASSERT_EQ(revoke(dup), 0);
	EXPECT_TRUE(sigbus(a));
	EXPECT_TRUE(sigbus(static_cast<uint8_t *>(a) + kPage));
	EXPECT_TRUE(sigbus(b));
}

/* 5 */
TEST_F(LifetimeTest, Scenario5SecondRevokeIsEbadfd)
{
	int buf = static_cast<int>(export_buf(2, 0, kPage));
	ASSERT_EQ(revoke(buf), 0);
	EXPECT_EQ(revoke(buf), -EBADFD);
}

/* 6 */
TEST_F(LifetimeTest, Scenario6RevokeOfStdoutIsEinval)
{
	EXPECT_EQ(revoke(STDOUT_FILENO), -EINVAL);
}

/* 7 */
TEST_F(LifetimeTest, Scenario7ExportAgainAfterRevoke)
{
	int buf = static_cast<int>(export_buf(2, 0x4000, 2 * kPage));
	ASSERT_EQ(revoke(buf), 0);
	int again = static_cast<int>(export_buf(2, 0x4000, 2 * kPage));
	ASSERT_GE(again, 0);
	EXPECT_EQ(buffer_of(again).status, BufferStatus::Ok);
	EXPECT_TRUE(readable(map_buf(again, 2 * kPage)));
}

/* 8: aliasing, overlapping and multi-range buffers are independent. */
TEST_F(LifetimeTest, Scenario8IndependentStatus)
{
	int a = static_cast<int>(export_buf(2, 0, 2 * kPage));
	int overlap = static_cast<int>(export_buf(2, kPage, 2 * kPage));
	int multi = static_cast<int>(export_buf(2, RangeList{{0x10000, kPage}, {0, kPage}, {kPage, kPage}}));
	void *pa = map_buf(a, 2 * kPage);
	void *po = map_buf(overlap, 2 * kPage);
	void *pm = map_buf(multi, 3 * kPage);
	ASSERT_EQ(revoke(overlap), 0);
	EXPECT_TRUE(sigbus(po));
	EXPECT_TRUE(readable(pa));
	EXPECT_TRUE(readable(static_cast<uint8_t *>(pm) + 2 * kPage));
	EXPECT_EQ(buffer_of(a).status, BufferStatus::Ok);
	EXPECT_EQ(buffer_of(multi).status, BufferStatus::Ok);
	ASSERT_EQ(revoke(multi), 0);
	EXPECT_TRUE(sigbus(pm));
	EXPECT_TRUE(readable(pa));
}

/* --- cleanup and release --- */

TEST_F(LifetimeTest, CleanedUpBuffersAreNeverUnrevoked)
{
	int buf = static_cast<int>(export_buf(2, 0, kPage));
	void *p = map_buf(buf, kPage);
	close_device();
	reopen_device();
	set_memory(false);
	set_memory(true);
	EXPECT_EQ(buffer_of(buf).status, BufferStatus::TempRevoked);
	EXPECT_TRUE(sigbus(p));
	EXPECT_EQ(state().buffers, 0u);
}

TEST_F(LifetimeTest, PermRevokedBufferStaysPermThroughCleanup)
{
	int buf = static_cast<int>(export_buf(2, 0, kPage));
	ASSERT_EQ(revoke(buf), 0);
	close_device();
	BufferInfo b = buffer_of(buf);
	EXPECT_EQ(b.status, BufferStatus::PermRevoked);
	EXPECT_FALSE(b.attached);
}

TEST_F(LifetimeTest, ExportedBuffersDoNotKeepTheDeviceOpen)
{
	int buf = static_cast<int>(export_buf(2, 0, kPage));
	close_device();
	EXPECT_EQ(state().open_count, 0u);
	EXPECT_TRUE(kernel_.owns_fd(buf));
}

TEST_F(LifetimeTest, ClosingTheDmabufFdReleasesAndUnlinks)
{
	int buf = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(state().buffers, 1u);
	ASSERT_EQ(kernel_.close(buf), 0);
	std::erase(fds_, buf);
	EXPECT_EQ(state().buffers, 0u);
	EXPECT_TRUE(kernel_.buffers().empty());
}

TEST_F(LifetimeTest, ReleaseAfterCleanupLeavesTheDeviceAlone)
{
	int buf = static_cast<int>(export_buf(2, 0, kPage));
	close_device();
	reopen_device();
	int other = static_cast<int>(export_buf(2, 0, kPage));
	ASSERT_EQ(kernel_.close(buf), 0);
	std::erase(fds_, buf);
	EXPECT_EQ(state().buffers, 1u);
	EXPECT_EQ(buffer_of(other).status, BufferStatus::Ok);
}

TEST_F(LifetimeTest, SecondDeviceFdKeepsBuffersAttached)
{
	int second = open_again();
	int buf = static_cast<int>(export_buf(2, 0, kPage));
	void *p = map_buf(buf, kPage);
	close_device();
	EXPECT_EQ(state().open_count, 1u);
	EXPECT_TRUE(readable(p));
	EXPECT_TRUE(buffer_of(buf).attached);
	ASSERT_EQ(kernel_.close(second), 0);
	std::erase(fds_, second);
	EXPECT_TRUE(sigbus(p));
}

TEST_F(LifetimeTest, BarMappingThroughOneFdKeepsTheDeviceAfterTheOtherCloses)
{
	int second = open_again();
	std::swap(fd_, second);
	void *bar = map_bar(region_offset(2), kPage);
	std::swap(fd_, second);
	ASSERT_EQ(kernel_.close(second), 0);
	std::erase(fds_, second);
	close_device();
	EXPECT_EQ(state().open_count, 1u);
	EXPECT_TRUE(readable(bar));
	ASSERT_EQ(unmap(bar, kPage), 0);
	EXPECT_EQ(state().open_count, 0u);
}

} /* namespace */
} /* namespace softvfio::test */
