/* SPDX-License-Identifier: MIT */
/*
 * DMA_BUF_MEMATTR (docs/semantics.md §2.6, §4.8, §5.4): series-v4's
 * feature 14 and series-v2's feature 13, errnos by profile, and the rule
 * that only future mmaps of the DMABUF fd see the attribute.
 */
#include <unistd.h>

#include "kernel/dmabuf_fixture.h"

namespace softvfio::test {
namespace {

constexpr uint32_t kMemattr = VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR;
constexpr uint32_t kNC = VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_NC;
constexpr uint32_t kWC = VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_WC;
constexpr int kENOTSUPP = 524;

class MemattrTest : public DmabufTest
{
protected:
	void SetUp() override { open("nic"); }
};

TEST_F(MemattrTest, WcAppliesToFutureMmapsOnly)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	void *before = map_buf(fd, kPage);
	ASSERT_EQ(memattr(fd, kWC), 0);
	void *after = map_buf(fd, kPage);
	EXPECT_EQ(mapping(before)->attr, MemoryAttribute::Uncached);
	EXPECT_EQ(mapping(after)->attr, MemoryAttribute::WriteCombine);
	EXPECT_EQ(buffer_of(fd).memattr, MemoryAttribute::WriteCombine);
	ASSERT_EQ(memattr(fd, kNC), 0);
	void *again = map_buf(fd, kPage);
	EXPECT_EQ(mapping(again)->attr, MemoryAttribute::Uncached);
	EXPECT_EQ(mapping(after)->attr, MemoryAttribute::WriteCombine);
}

TEST_F(MemattrTest, PageTableEntriesCarryTheAttribute)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	ASSERT_EQ(memattr(fd, kWC), 0);
	void *p = map_buf(fd, kPage);
	auto pte = kernel_.touch(p);
	ASSERT_TRUE(pte);
	EXPECT_EQ(pte->attr, MemoryAttribute::WriteCombine);
}

TEST_F(MemattrTest, DefaultIsNc)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(buffer_of(fd).memattr, MemoryAttribute::Uncached);
	EXPECT_EQ(mapping(map_buf(fd, kPage))->attr, MemoryAttribute::Uncached);
}

TEST_F(MemattrTest, DeviceFdBarMappingsStayNc)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	ASSERT_EQ(memattr(fd, kWC), 0);
	void *bar = map_bar(region_offset(2), kPage);
	EXPECT_EQ(mapping(bar)->attr, MemoryAttribute::Uncached);
}

TEST_F(MemattrTest, UnknownValueIsEnoent)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(memattr(fd, 2), -ENOENT);
	EXPECT_EQ(memattr(fd, 0xffffffffu), -ENOENT);
	EXPECT_EQ(buffer_of(fd).memattr, MemoryAttribute::Uncached);
}

TEST_F(MemattrTest, RevokedBufferStillTakesIt)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	set_memory(false);
	EXPECT_EQ(memattr(fd, kWC), 0);
	set_memory(true);
	ASSERT_EQ(revoke(fd), 0);
	EXPECT_EQ(memattr(fd, kNC), 0);
	EXPECT_EQ(buffer_of(fd).memattr, MemoryAttribute::Uncached);
}

TEST_F(MemattrTest, GetIsEinval)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(memattr(fd, kWC, kGet), -EINVAL);
	EXPECT_EQ(feature(kMemattr | kGet | kProbe), -EINVAL);
}

TEST_F(MemattrTest, ProbeSetIsZero)
{
	EXPECT_EQ(feature(kMemattr | kSet | kProbe), 0);
}

TEST_F(MemattrTest, ShortArgszIsEinval)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	vfio_device_feature_dma_buf_memattr req{fd, kWC};
	EXPECT_EQ(feature(kMemattr | kSet, &req, sizeof(req), 7), -EINVAL);
}

TEST_F(MemattrTest, CopyFaultIsEfault)
{
	void *page = ::mmap(nullptr, 2 * kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	::mprotect(static_cast<uint8_t *>(page) + kPage, kPage, PROT_NONE);
	auto *hdr = reinterpret_cast<vfio_device_feature *>(static_cast<uint8_t *>(page) + kPage - 12);
	hdr->argsz = 8 + 8;
	hdr->flags = kMemattr | kSet;
	EXPECT_EQ(kernel_.ioctl(fd_, VFIO_DEVICE_FEATURE, hdr), -EFAULT);
	::munmap(page, 2 * kPage);
}

TEST_F(MemattrTest, FdErrorsAsRevoke)
{
	EXPECT_EQ(memattr(-1, kWC), -EBADF);
	EXPECT_EQ(memattr(STDOUT_FILENO, kWC), -EINVAL);
	EXPECT_EQ(memattr(fd_, kWC), -EINVAL);
}

TEST_F(MemattrTest, OtherDevicesBufferIsEnodev)
{
	auto other = kernel_.add_device(*preset("nic"));
	int other_fd = static_cast<int>(kernel_.open_device(*other));
	fds_.push_back(other_fd);
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	std::swap(fd_, other_fd);
	EXPECT_EQ(memattr(fd, kWC), -ENODEV);
	std::swap(fd_, other_fd);
}

TEST_F(MemattrTest, OrderForeignBufferBeforeUnknownValue)
{
	EXPECT_EQ(memattr(STDOUT_FILENO, 7), -EINVAL);
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	ASSERT_EQ(kernel_.close(fd_), 0);
	fds_.erase(fds_.begin());
	fd_ = static_cast<int>(kernel_.open_device(bdf_));
	fds_.push_back(fd_);
	EXPECT_EQ(memattr(fd, 7), -ENODEV);
}

class MemattrNoConfig : public DmabufTest
{
protected:
	void SetUp() override
	{
		open("nic", ProfileId::SeriesV4, no_dmabuf_config());
	}
};

TEST_F(MemattrNoConfig, StubIsEnotty)
{
	EXPECT_EQ(feature(kMemattr | kSet | kProbe), -ENOTTY);
}

class MemattrNoSupport : public DmabufTest
{
protected:
	void SetUp() override { open("nic", ProfileId::SeriesV4, no_dmabuf_support()); }
};

TEST_F(MemattrNoSupport, Eopnotsupp)
{
	EXPECT_EQ(feature(kMemattr | kSet | kProbe), -EOPNOTSUPP);
}

/* --- series-v2: feature 13, GET and SET --- */

class MemattrV2Test : public DmabufTest
{
protected:
	void SetUp() override { open("nic", ProfileId::SeriesV2); }
};

TEST_F(MemattrV2Test, GetReportsTheValue)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	uint32_t value = 77;
	ASSERT_EQ(memattr(fd, 0, kGet, &value), 0);
	EXPECT_EQ(value, kNC);
	ASSERT_EQ(memattr(fd, kWC), 0);
	ASSERT_EQ(memattr(fd, 0, kGet, &value), 0);
	EXPECT_EQ(value, kWC);
	EXPECT_EQ(feature(SOFTVFIO_SERIES_V2_FEATURE_DMA_BUF_MEMATTR | kGet | kProbe), 0);
}

TEST_F(MemattrV2Test, UnknownValueIsEnotsupp)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(memattr(fd, 2), -kENOTSUPP);
}

TEST_F(MemattrV2Test, FeatureFourteenIsEnotty)
{
	EXPECT_EQ(feature(kMemattr | kSet | kProbe), -ENOTTY);
}

TEST_F(MemattrV2Test, WcAppliesToFutureMmaps)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	void *before = map_buf(fd, kPage);
	ASSERT_EQ(memattr(fd, kWC), 0);
	EXPECT_EQ(mapping(map_buf(fd, kPage))->attr, MemoryAttribute::WriteCombine);
	EXPECT_EQ(mapping(before)->attr, MemoryAttribute::Uncached);
}

class MemattrV2NoConfig : public DmabufTest
{
protected:
	void SetUp() override
	{
		open("nic", ProfileId::SeriesV2, no_dmabuf_config());
	}
};

TEST_F(MemattrV2NoConfig, StubIsEnodev)
{
	EXPECT_EQ(feature(SOFTVFIO_SERIES_V2_FEATURE_DMA_BUF_MEMATTR | kSet | kProbe), -ENODEV);
}

} /* namespace */
} /* namespace softvfio::test */
