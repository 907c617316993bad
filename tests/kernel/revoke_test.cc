/* SPDX-License-Identifier: MIT */
/*
 * Permanent revocation (docs/semantics.md §2.5, §4.7, §5.3): series-v4's
 * feature 13 and series-v2's device ioctl 122, every row and the order of
 * competing errors, and what a revoked buffer is.
 */
#include <unistd.h>

#include "kernel/dmabuf_fixture.h"

namespace softvfio::test {
namespace {

constexpr uint32_t kRevoke = VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE;

class RevokeTest : public DmabufTest
{
protected:
	void SetUp() override { open("nic"); }

	long revoke_raw(uint32_t flags, int32_t dmabuf_fd, long argsz_payload = -1)
	{
		vfio_device_feature_dma_buf_revoke req{dmabuf_fd};
		return feature(kRevoke | flags, &req, sizeof(req), argsz_payload);
	}
};

/* --- §5.3 rows (series-v4) --- */

TEST_F(RevokeTest, SucceedsAndMakesTheBufferPermRevoked)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(revoke_raw(kSet, fd), 0);
	EXPECT_EQ(buffer_of(fd).status, BufferStatus::PermRevoked);
	/* The fd stays valid: a zombie. */
	EXPECT_TRUE(kernel_.owns_fd(fd));
	EXPECT_EQ(kernel_.lseek(fd, 0, SEEK_END), long(kPage));
}

TEST_F(RevokeTest, ProbeSetIsZero)
{
	EXPECT_EQ(feature(kRevoke | kSet | kProbe), 0);
}

TEST_F(RevokeTest, GetIsEinval)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(revoke_raw(kGet, fd), -EINVAL);
	EXPECT_EQ(feature(kRevoke | kGet | kProbe), -EINVAL);
	EXPECT_EQ(buffer_of(fd).status, BufferStatus::Ok);
}

TEST_F(RevokeTest, NeitherGetNorSetIsEinval)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(revoke_raw(0, fd), -EINVAL);
}

TEST_F(RevokeTest, ShortArgszIsEinval)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(revoke_raw(kSet, fd, 3), -EINVAL);
}

TEST_F(RevokeTest, CopyFaultIsEfault)
{
	void *page = ::mmap(nullptr, 2 * kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	::mprotect(static_cast<uint8_t *>(page) + kPage, kPage, PROT_NONE);
	auto *hdr = reinterpret_cast<vfio_device_feature *>(static_cast<uint8_t *>(page) + kPage - 8);
	hdr->argsz = 8 + 4;
	hdr->flags = kRevoke | kSet;
	EXPECT_EQ(kernel_.ioctl(fd_, VFIO_DEVICE_FEATURE, hdr), -EFAULT);
	::munmap(page, 2 * kPage);
}

TEST_F(RevokeTest, BadFdNumberIsEbadf)
{
	EXPECT_EQ(revoke_raw(kSet, -1), -EBADF);
	EXPECT_EQ(revoke_raw(kSet, 987654), -EBADF);
}

TEST_F(RevokeTest, StdoutIsEinval)
{
	EXPECT_EQ(revoke_raw(kSet, STDOUT_FILENO), -EINVAL);
}

TEST_F(RevokeTest, DeviceFdIsNotADmabufEinval)
{
	EXPECT_EQ(revoke_raw(kSet, fd_), -EINVAL);
}

TEST_F(RevokeTest, AnotherDevicesBufferIsEnodev)
{
	auto desc = preset("nic");
	auto other = kernel_.add_device(*desc);
	ASSERT_TRUE(other);
	int other_fd = static_cast<int>(kernel_.open_device(*other));
	ASSERT_GE(other_fd, 0);
	fds_.push_back(other_fd);
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(revoke(fd, other_fd), -ENODEV);
	EXPECT_EQ(buffer_of(fd).status, BufferStatus::Ok);
}

TEST_F(RevokeTest, CleanedUpBufferIsEnodev)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	ASSERT_EQ(kernel_.close(fd_), 0);
	fds_.erase(fds_.begin());
	fd_ = static_cast<int>(kernel_.open_device(bdf_));
	fds_.push_back(fd_);
	EXPECT_EQ(revoke_raw(kSet, fd), -ENODEV);
	EXPECT_EQ(buffer_of(fd).status, BufferStatus::TempRevoked);
}

TEST_F(RevokeTest, SecondRevokeIsEbadfd)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(revoke_raw(kSet, fd), 0);
	EXPECT_EQ(revoke_raw(kSet, fd), -EBADFD);
}

TEST_F(RevokeTest, TempRevokedUpgradesToPerm)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	set_memory(false);
	EXPECT_EQ(revoke_raw(kSet, fd), 0);
	EXPECT_EQ(buffer_of(fd).status, BufferStatus::PermRevoked);
	set_memory(true);
	EXPECT_EQ(buffer_of(fd).status, BufferStatus::PermRevoked);
}

TEST_F(RevokeTest, HiddenBufferIsNotReachableByFd)
{
	/* Hidden buffers have no fd; REVOKE of the device fd is EINVAL. */
	void *p = map_bar(region_offset(2), kPage);
	ASSERT_NE(p, MAP_FAILED);
	EXPECT_EQ(revoke_raw(kSet, fd_), -EINVAL);
	EXPECT_EQ(hidden_buffers().at(0).status, BufferStatus::Ok);
}

/* --- competing errors --- */

TEST_F(RevokeTest, OrderArgszBeforeCopy)
{
	void *page = ::mmap(nullptr, 2 * kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	::mprotect(static_cast<uint8_t *>(page) + kPage, kPage, PROT_NONE);
	auto *hdr = reinterpret_cast<vfio_device_feature *>(static_cast<uint8_t *>(page) + kPage - 8);
	hdr->argsz = 8 + 3;
	hdr->flags = kRevoke | kSet;
	EXPECT_EQ(kernel_.ioctl(fd_, VFIO_DEVICE_FEATURE, hdr), -EINVAL);
	::munmap(page, 2 * kPage);
}

TEST_F(RevokeTest, OrderNotADmabufBeforeDeviceMatch)
{
	EXPECT_EQ(revoke_raw(kSet, STDIN_FILENO), -EINVAL);
}

TEST_F(RevokeTest, OrderForeignDeviceBeforeAlreadyRevoked)
{
	auto other = kernel_.add_device(*preset("nic"));
	int other_fd = static_cast<int>(kernel_.open_device(*other));
	fds_.push_back(other_fd);
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	ASSERT_EQ(revoke(fd), 0);
	EXPECT_EQ(revoke(fd, other_fd), -ENODEV);
}

/* --- what revocation does --- */

TEST_F(RevokeTest, EveryMappingSigbusesIncludingDoubleMappings)
{
	int fd = static_cast<int>(export_buf(2, RangeList{{0, kPage}, {0, kPage}}));
	void *a = map_buf(fd, 2 * kPage);
	void *b = map_buf(fd, kPage, kPage);
	ASSERT_NE(a, MAP_FAILED);
	ASSERT_NE(b, MAP_FAILED);
	write32(a, 7);
	EXPECT_EQ(read32(b), 7u);
	ASSERT_EQ(revoke(fd), 0);
	EXPECT_TRUE(sigbus(a));
	EXPECT_TRUE(sigbus(static_cast<uint8_t *>(a) + kPage));
	EXPECT_TRUE(sigbus(b));
	/* Other buffers over the same bytes are independent. */
	int other = static_cast<int>(export_buf(2, 0, kPage));
	void *c = map_buf(other, kPage);
	ASSERT_NE(c, MAP_FAILED);
	EXPECT_EQ(read32(c), 7u);
}

TEST_F(RevokeTest, ThroughADupedFd)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	void *p = map_buf(fd, kPage);
	ASSERT_NE(p, MAP_FAILED);
	int dup = static_cast<int>(kernel_.dup(fd));
	ASSERT_GE(dup, 0);
	fds_.push_back(dup);
	EXPECT_EQ(*kernel_.buffer_id(dup), *kernel_.buffer_id(fd));
	EXPECT_EQ(revoke(dup), 0);
	EXPECT_TRUE(sigbus(p));
	EXPECT_EQ(revoke(fd), -EBADFD);
}

TEST_F(RevokeTest, NeverComesBackEvenAfterMemoryToggles)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	void *p = map_buf(fd, kPage);
	ASSERT_EQ(revoke(fd), 0);
	set_memory(false);
	set_memory(true);
	EXPECT_TRUE(sigbus(p));
	EXPECT_EQ(buffer_of(fd).status, BufferStatus::PermRevoked);
	struct Quiet : Importer {
		void invalidate(Attachment &) override {}
	} importer;
	EXPECT_EQ(kernel_.attach_dma_buf(fd, importer).error(), ENODEV);
}

TEST_F(RevokeTest, RangeCanBeExportedAgain)
{
	int fd = static_cast<int>(export_buf(2, 0x8000, kPage));
	void *p = map_buf(fd, kPage);
	write32(p, 0x5eed);
	ASSERT_EQ(revoke(fd), 0);
	int again = static_cast<int>(export_buf(2, 0x8000, kPage));
	ASSERT_GE(again, 0);
	void *q = map_buf(again, kPage);
	ASSERT_NE(q, MAP_FAILED);
	EXPECT_EQ(read32(q), 0x5eedu);
	EXPECT_TRUE(sigbus(p));
}

TEST_F(RevokeTest, BarMappingsAndOtherBuffersUnaffected)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	int other = static_cast<int>(export_buf(2, 0, kPage));
	void *bar = map_bar(region_offset(2), kPage);
	ASSERT_EQ(revoke(fd), 0);
	EXPECT_TRUE(readable(bar));
	EXPECT_EQ(buffer_of(other).status, BufferStatus::Ok);
	EXPECT_EQ(map_errno(other, 0, kPage), 0);
}

/* --- the device ioctl of series-v2 --- */

class RevokeV2Test : public DmabufTest
{
protected:
	void SetUp() override { open("nic", ProfileId::SeriesV2); }

	long ioctl122(const void *arg) { return kernel_.ioctl(fd_, VFIO_DEVICE_PCI_DMABUF_REVOKE, const_cast<void *>(arg)); }
};

TEST_F(RevokeV2Test, Succeeds)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	vfio_pci_dmabuf_revoke req{8, fd};
	EXPECT_EQ(ioctl122(&req), 0);
	EXPECT_EQ(buffer_of(fd).status, BufferStatus::PermRevoked);
	EXPECT_EQ(ioctl122(&req), -EBADFD);
}

TEST_F(RevokeV2Test, ArgszBelowEightIsEinval)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	vfio_pci_dmabuf_revoke req{7, fd};
	EXPECT_EQ(ioctl122(&req), -EINVAL);
}

TEST_F(RevokeV2Test, CopyFaultIsEfault)
{
	EXPECT_EQ(ioctl122(reinterpret_cast<void *>(8)), -EFAULT);
}

TEST_F(RevokeV2Test, BadFdEbadfForeignEinvalOtherDeviceEnodev)
{
	vfio_pci_dmabuf_revoke req{8, -1};
	EXPECT_EQ(ioctl122(&req), -EBADF);
	req.dmabuf_fd = STDOUT_FILENO;
	EXPECT_EQ(ioctl122(&req), -EINVAL);
	auto other = kernel_.add_device(*preset("nic"), with_profile(ProfileId::SeriesV2));
	int other_fd = static_cast<int>(kernel_.open_device(*other));
	fds_.push_back(other_fd);
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	req.dmabuf_fd = fd;
	EXPECT_EQ(kernel_.ioctl(other_fd, VFIO_DEVICE_PCI_DMABUF_REVOKE, &req), -ENODEV);
}

TEST_F(RevokeV2Test, OrderArgszBeforeFd)
{
	vfio_pci_dmabuf_revoke req{4, -1};
	EXPECT_EQ(ioctl122(&req), -EINVAL);
}

TEST_F(RevokeV2Test, FeatureThirteenIsNotRevoke)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	vfio_device_feature_dma_buf_revoke req{fd};
	/* 13 is MEMATTR here: a 4-byte payload is short for it. */
	EXPECT_EQ(feature(kRevoke | kSet, &req, sizeof(req)), -EINVAL);
	EXPECT_EQ(buffer_of(fd).status, BufferStatus::Ok);
}

class RevokeV2NoConfig : public DmabufTest
{
protected:
	void SetUp() override
	{
		open("nic", ProfileId::SeriesV2, no_dmabuf_config());
	}
};

TEST_F(RevokeV2NoConfig, StubIsEnottyAfterArgsz)
{
	vfio_pci_dmabuf_revoke req{8, -1};
	EXPECT_EQ(kernel_.ioctl(fd_, VFIO_DEVICE_PCI_DMABUF_REVOKE, &req), -ENOTTY);
	req.argsz = 4;
	EXPECT_EQ(kernel_.ioctl(fd_, VFIO_DEVICE_PCI_DMABUF_REVOKE, &req), -EINVAL);
}

class RevokeV2NoSupport : public DmabufTest
{
protected:
	void SetUp() override { open("nic", ProfileId::SeriesV2, no_dmabuf_support()); }
};

TEST_F(RevokeV2NoSupport, Eopnotsupp)
{
	vfio_pci_dmabuf_revoke req{8, -1};
	EXPECT_EQ(kernel_.ioctl(fd_, VFIO_DEVICE_PCI_DMABUF_REVOKE, &req), -EOPNOTSUPP);
}

/* --- configuration (series-v4) --- */

class RevokeNoSupport : public DmabufTest
{
protected:
	void SetUp() override { open("nic", ProfileId::SeriesV4, no_dmabuf_support()); }
};

TEST_F(RevokeNoSupport, EopnotsuppBeforeFeatureChecks)
{
	EXPECT_EQ(feature(kRevoke | kSet | kProbe), -EOPNOTSUPP);
	EXPECT_EQ(feature(kRevoke | kGet), -EOPNOTSUPP);
}

class RevokeNoConfig : public DmabufTest
{
protected:
	void SetUp() override
	{
		open("nic", ProfileId::SeriesV4, no_dmabuf_config());
	}
};

TEST_F(RevokeNoConfig, StubIsEnotty)
{
	EXPECT_EQ(feature(kRevoke | kSet | kProbe), -ENOTTY);
	vfio_device_feature_dma_buf_revoke req{-1};
	EXPECT_EQ(feature(kRevoke | kSet, &req, sizeof(req)), -ENOTTY);
}

} /* namespace */
} /* namespace softvfio::test */
