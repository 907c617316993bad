/* SPDX-License-Identifier: MIT */
/*
 * VFIO_DEVICE_FEATURE_DMA_BUF (11), GET: every row of docs/semantics.md
 * §5.2 with its exact errno, the §4.1 order where two errors compete, and
 * what a successful export gives.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/dmabuf_fixture.h"

namespace softvfio::test {
namespace {

constexpr uint32_t kDmaBuf = VFIO_DEVICE_FEATURE_DMA_BUF;

/* Two pages, the second inaccessible: user memory ending at a fault. */
class GuardedPages
{
public:
	GuardedPages()
	{
		base_ = static_cast<uint8_t *>(::mmap(nullptr, 2 * kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
		::mprotect(base_ + kPage, kPage, PROT_NONE);
	}
	~GuardedPages() { ::munmap(base_, 2 * kPage); }
	/* `n` writable bytes right before the inaccessible page. */
	uint8_t *tail(size_t n) { return base_ + kPage - n; }

private:
	uint8_t *base_;
};

class ExportTest : public DmabufTest
{
protected:
	void SetUp() override { open("nic"); }

	/* A raw feature call whose header sits right before a guard page
	 * after `valid` bytes (header included). */
	long feature_truncated(const void *data, size_t valid, uint32_t argsz, uint32_t flags)
	{
		uint8_t *p = guard_.tail(valid);
		std::memcpy(p, data, valid);
		vfio_device_feature hdr{argsz, flags};
		std::memcpy(p, &hdr, sizeof(hdr));
		return kernel_.ioctl(fd_, VFIO_DEVICE_FEATURE, p);
	}

	/* A well-formed request: header, fixed part, `n` ranges. */
	static std::vector<uint8_t> request(unsigned bar, uint32_t nr_ranges, const RangeList &ranges)
	{
		std::vector<uint8_t> v(sizeof(vfio_device_feature) + sizeof(vfio_device_feature_dma_buf) +
				       ranges.size() * sizeof(vfio_region_dma_range));
		vfio_device_feature_dma_buf req{bar, O_RDWR, 0, nr_ranges};
		std::memcpy(v.data() + sizeof(vfio_device_feature), &req, sizeof(req));
		std::memcpy(v.data() + sizeof(vfio_device_feature) + sizeof(req), ranges.data(),
			    ranges.size() * sizeof(vfio_region_dma_range));
		return v;
	}

	GuardedPages guard_;
};

/* --- rows of §5.2 --- */

TEST_F(ExportTest, SucceedsAndReturnsTheNewFd)
{
	long fd = export_buf(2, 0, 0x10000);
	ASSERT_GE(fd, 0);
	EXPECT_TRUE(kernel_.owns_fd(static_cast<int>(fd)));
	BufferInfo b = buffer_of(static_cast<int>(fd));
	EXPECT_FALSE(b.hidden);
	EXPECT_EQ(b.bar, 2u);
	EXPECT_EQ(b.size, 0x10000u);
	EXPECT_EQ(b.status, BufferStatus::Ok);
	EXPECT_EQ(b.name, "");
	EXPECT_EQ(b.device, bdf_);
	EXPECT_TRUE(b.attached);
	EXPECT_EQ(state().buffers, 1u);
}

TEST_F(ExportTest, ProbeReturnsZeroAndCreatesNothing)
{
	EXPECT_EQ(feature(kDmaBuf | kGet | kProbe), 0);
	EXPECT_TRUE(kernel_.buffers().empty());
}

TEST_F(ExportTest, SetIsEinval)
{
	vfio_device_feature_dma_buf req{2, O_RDWR, 0, 1};
	EXPECT_EQ(feature(kDmaBuf | kSet, &req, sizeof(req)), -EINVAL);
	EXPECT_EQ(feature(kDmaBuf | kSet | kProbe), -EINVAL);
}

TEST_F(ExportTest, NeitherGetNorSetIsEinval)
{
	vfio_device_feature_dma_buf req{2, O_RDWR, 0, 1};
	EXPECT_EQ(feature(kDmaBuf, &req, sizeof(req)), -EINVAL);
}

TEST_F(ExportTest, ArgszBelowFixedPartIsEinval)
{
	uint8_t raw[sizeof(vfio_device_feature_dma_buf) + sizeof(vfio_region_dma_range)] = {};
	vfio_device_feature_dma_buf req{2, O_RDWR, 0, 1};
	std::memcpy(raw, &req, sizeof(req));
	vfio_region_dma_range r{0, kPage};
	std::memcpy(raw + sizeof(req), &r, sizeof(r));
	EXPECT_EQ(feature(kDmaBuf | kGet, raw, sizeof(raw), 15), -EINVAL);
}

TEST_F(ExportTest, PayloadCopyFaultIsEfault)
{
	/* argsz claims 16 payload bytes; only 8 are readable. */
	uint8_t raw[16] = {};
	EXPECT_EQ(feature_truncated(raw, 16, 8 + 16, kDmaBuf | kGet), -EFAULT);
}

TEST_F(ExportTest, ZeroRangesIsEinval)
{
	vfio_device_feature_dma_buf req{2, O_RDWR, 0, 0};
	EXPECT_EQ(feature(kDmaBuf | kGet, &req, sizeof(req)), -EINVAL);
}

TEST_F(ExportTest, NonZeroFlagsIsEinval)
{
	std::vector<uint8_t> raw(sizeof(vfio_device_feature_dma_buf) + sizeof(vfio_region_dma_range));
	vfio_device_feature_dma_buf req{2, O_RDWR, 1u << 28, 1};
	vfio_region_dma_range r{0, kPage};
	std::memcpy(raw.data(), &req, sizeof(req));
	std::memcpy(raw.data() + sizeof(req), &r, sizeof(r));
	EXPECT_EQ(feature(kDmaBuf | kGet, raw.data(), raw.size()), -EINVAL);
}

TEST_F(ExportTest, RomConfigVgaAndBeyondAreEnodev)
{
	for (unsigned index : {6u, 7u, 8u, 9u, 1000u})
		EXPECT_EQ(export_buf(index, 0, kPage), -ENODEV) << index;
}

TEST_F(ExportTest, RangesAreReadRegardlessOfArgsz)
{
	/* §7 item 6: argsz covers only the fixed part, the range still counts. */
	std::vector<uint8_t> raw(sizeof(vfio_device_feature_dma_buf) + sizeof(vfio_region_dma_range));
	vfio_device_feature_dma_buf req{2, O_RDWR | O_CLOEXEC, 0, 1};
	vfio_region_dma_range r{0x3000, 0x2000};
	std::memcpy(raw.data(), &req, sizeof(req));
	std::memcpy(raw.data() + sizeof(req), &r, sizeof(r));
	long fd = feature(kDmaBuf | kGet, raw.data(), raw.size(), sizeof(req));
	ASSERT_GE(fd, 0);
	fds_.push_back(static_cast<int>(fd));
	EXPECT_EQ(buffer_of(static_cast<int>(fd)).size, 0x2000u);
}

TEST_F(ExportTest, RangesCopyFaultIsEfault)
{
	/* Two ranges announced, the second lies in the guard page. */
	auto raw = request(2, 2, {{0, kPage}});
	EXPECT_EQ(feature_truncated(raw.data(), raw.size(), static_cast<uint32_t>(raw.size()), kDmaBuf | kGet),
		  -EFAULT);
}

TEST_F(ExportTest, MoreRangeBytesThanKmallocCanGiveIsEnomem)
{
	/* 262145 ranges: 4 MiB + 16 bytes. ENOMEM comes before the copy,
	 * so the missing user memory is never read. */
	vfio_device_feature_dma_buf req{2, O_RDWR, 0, (4u << 20) / 16 + 1};
	EXPECT_EQ(feature(kDmaBuf | kGet, &req, sizeof(req)), -ENOMEM);
}

TEST_F(ExportTest, ExactlyKmallocMaxRangeBytesAreCopied)
{
	/* 262144 ranges fit the allocation; the copy then faults. */
	auto raw = request(2, (4u << 20) / 16, {{0, kPage}});
	EXPECT_EQ(feature_truncated(raw.data(), raw.size(), static_cast<uint32_t>(raw.size()), kDmaBuf | kGet),
		  -EFAULT);
}

TEST_F(ExportTest, ZeroLengthRangeIsEinval)
{
	EXPECT_EQ(export_buf(2, RangeList{{0, kPage}, {kPage, 0}}), -EINVAL);
}

TEST_F(ExportTest, UnalignedOffsetIsEinval)
{
	EXPECT_EQ(export_buf(2, 0x800, kPage), -EINVAL);
}

TEST_F(ExportTest, UnalignedLengthIsEinval)
{
	EXPECT_EQ(export_buf(2, 0, kPage + 1), -EINVAL);
}

TEST_F(ExportTest, LengthSumOverflowIsEinval)
{
	const uint64_t half = 1ull << 63;
	EXPECT_EQ(export_buf(2, RangeList{{0, half}, {0, half}}), -EINVAL);
}

TEST_F(ExportTest, TotalWithBit63IsEinval)
{
	/* Aliasing ranges of the whole BAR add up past 2^63. */
	RangeList ranges(1, {0, 4 * k1G});
	const uint64_t big = (1ull << 63) - 4 * k1G;
	ranges.push_back({0, big});
	EXPECT_EQ(export_buf(2, ranges), -EINVAL);
}

TEST_F(ExportTest, UnusedBarHasNoProviderEinval)
{
	EXPECT_EQ(export_buf(1, 0, kPage), -EINVAL);
}

TEST_F(ExportTest, UpperHalfOf64BitBarHasNoProviderEinval)
{
	EXPECT_EQ(export_buf(3, 0, kPage), -EINVAL);
}

TEST_F(ExportTest, StartPlusOffsetWrapIsEoverflow)
{
	EXPECT_EQ(export_buf(2, ~0ull - kPage + 1, kPage), -EOVERFLOW);
}

TEST_F(ExportTest, EndWrapIsEoverflow)
{
	/* BAR start + offset fits, + length wraps. */
	const uint64_t offset = (~0ull - kNicBar2) & ~(kPage - 1);
	EXPECT_EQ(export_buf(2, offset, 2 * kPage), -EOVERFLOW);
}

TEST_F(ExportTest, EndBeyondBarIsEinval)
{
	EXPECT_EQ(export_buf(2, 4 * k1G - kPage, 2 * kPage), -EINVAL);
	EXPECT_EQ(export_buf(0, 0, 0x20000 + kPage), -EINVAL);
	EXPECT_GE(export_buf(0, 0, 0x20000), 0);
}

TEST_F(ExportTest, FullFdTableIsEmfileAndLeavesNoBuffer)
{
	/* One export first: sanitizer runtimes validate a type the first time
	 * they see it, which needs an fd of their own. */
	long warm = export_buf(2, 0, kPage);
	ASSERT_GE(warm, 0);
	kernel_.close(static_cast<int>(warm));
	kernel_.flush_deferred_releases();
	struct rlimit old {};
	ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
	int probe_fd = ::dup(0);
	ASSERT_GE(probe_fd, 0);
	::close(probe_fd);
	/* Only fds below the lowest free one may exist. */
	struct rlimit low = old;
	low.rlim_cur = static_cast<rlim_t>(probe_fd);
	ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
	long r = export_buf(2, 0, kPage);
	::setrlimit(RLIMIT_NOFILE, &old);
	EXPECT_EQ(r, -EMFILE);
	kernel_.flush_deferred_releases();
	EXPECT_TRUE(kernel_.buffers().empty());
	EXPECT_EQ(state().buffers, 0u);
}

/* --- competing errors, in §4.1's order --- */

TEST_F(ExportTest, OrderArgszBeforePayloadFault)
{
	uint8_t raw[8] = {};
	EXPECT_EQ(feature_truncated(raw, 8, 8 + 15, kDmaBuf | kGet), -EINVAL);
}

TEST_F(ExportTest, OrderZeroRangesBeforeRegionIndex)
{
	vfio_device_feature_dma_buf req{7, O_RDWR, 0, 0};
	EXPECT_EQ(feature(kDmaBuf | kGet, &req, sizeof(req)), -EINVAL);
}

TEST_F(ExportTest, OrderRegionIndexBeforeRangesCopy)
{
	auto raw = request(6, 2, {{0, kPage}});
	EXPECT_EQ(feature_truncated(raw.data(), raw.size(), static_cast<uint32_t>(raw.size()), kDmaBuf | kGet),
		  -ENODEV);
}

TEST_F(ExportTest, OrderWholeArrayValidatedBeforeTranslation)
{
	/* Range 0 would wrap (EOVERFLOW) when translated; range 1 is
	 * unaligned, which validation finds first. */
	EXPECT_EQ(export_buf(2, RangeList{{~0ull - kPage + 1, kPage}, {0, kPage + 1}}), -EINVAL);
}

TEST_F(ExportTest, OrderProviderBeforeOverflow)
{
	EXPECT_EQ(export_buf(1, ~0ull - kPage + 1, kPage), -EINVAL);
}

TEST_F(ExportTest, OrderPerRangeOverflowThenBeyondBar)
{
	EXPECT_EQ(export_buf(2, RangeList{{4 * k1G, kPage}, {~0ull - kPage + 1, kPage}}), -EINVAL);
	EXPECT_EQ(export_buf(2, RangeList{{~0ull - kPage + 1, kPage}, {4 * k1G, kPage}}), -EOVERFLOW);
}

/* --- what the new fd is --- */

TEST_F(ExportTest, StandInHasTheBufferSizeAndSeeks)
{
	int fd = static_cast<int>(export_buf(2, RangeList{{0, 0x3000}, {0x10000, 0x1000}}));
	ASSERT_GE(fd, 0);
	struct stat st {};
	ASSERT_EQ(::fstat(fd, &st), 0);
	EXPECT_EQ(st.st_size, 0x4000);
	EXPECT_EQ(kernel_.lseek(fd, 0, SEEK_END), 0x4000);
	EXPECT_EQ(kernel_.lseek(fd, 0, SEEK_SET), 0);
}

TEST_F(ExportTest, OpenFlagsGiveCloexecOrNot)
{
	int with = static_cast<int>(export_buf(2, 0, kPage, O_RDWR | O_CLOEXEC));
	int without = static_cast<int>(export_buf(2, 0, kPage, O_RDWR));
	ASSERT_GE(with, 0);
	ASSERT_GE(without, 0);
	EXPECT_TRUE(::fcntl(with, F_GETFD) & FD_CLOEXEC);
	EXPECT_FALSE(::fcntl(without, F_GETFD) & FD_CLOEXEC);
}

TEST_F(ExportTest, OpenFlagsGiveTheAccessMode)
{
	int ro = static_cast<int>(export_buf(2, 0, kPage, O_RDONLY));
	ASSERT_GE(ro, 0);
	EXPECT_EQ(::fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	int nb = static_cast<int>(export_buf(2, 0, kPage, O_RDWR | O_NONBLOCK));
	ASSERT_GE(nb, 0);
	EXPECT_TRUE(::fcntl(nb, F_GETFL) & O_NONBLOCK);
}

TEST_F(ExportTest, InitialStatusFollowsMemoryEnable)
{
	set_memory(false);
	int off = static_cast<int>(export_buf(2, 0, kPage));
	set_memory(true);
	ASSERT_GE(off, 0);
	int on = static_cast<int>(export_buf(2, 0, kPage));
	/* Re-enabling un-revoked the first one. */
	EXPECT_EQ(buffer_of(off).status, BufferStatus::Ok);
	EXPECT_EQ(buffer_of(on).status, BufferStatus::Ok);
	set_memory(false);
	int third = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(buffer_of(third).status, BufferStatus::TempRevoked);
	EXPECT_EQ(buffer_of(on).status, BufferStatus::TempRevoked);
}

TEST_F(ExportTest, RangesKeepArrayOrderAndAddresses)
{
	int fd = static_cast<int>(export_buf(2, RangeList{{0x5000, 0x1000}, {0x1000, 0x2000}}));
	ASSERT_GE(fd, 0);
	BufferInfo b = buffer_of(fd);
	ASSERT_EQ(b.ranges.size(), 2u);
	EXPECT_EQ(b.ranges[0].bar_offset, 0x5000u);
	EXPECT_EQ(b.ranges[0].paddr, kNicBar2 + 0x5000);
	EXPECT_EQ(b.ranges[1].bar_offset, 0x1000u);
	EXPECT_EQ(b.ranges[1].length, 0x2000u);
}

/* --- configuration --- */

class ExportNoSupport : public DmabufTest
{
protected:
	void SetUp() override
	{
		DeviceOptions o;
		o.dmabuf_support = false;
		open("nic", ProfileId::SeriesV4, o);
	}
};

TEST_F(ExportNoSupport, EopnotsuppEvenForProbeAndSet)
{
	EXPECT_EQ(feature(kDmaBuf | kGet | kProbe), -EOPNOTSUPP);
	EXPECT_EQ(feature(kDmaBuf | kSet), -EOPNOTSUPP);
	EXPECT_EQ(export_buf(2, 0, kPage), -EOPNOTSUPP);
}

class ExportNoConfig : public DmabufTest
{
protected:
	void SetUp() override
	{
		DeviceOptions o;
		o.dmabuf_config = false;
		o.dmabuf_support = false;
		open("nic", ProfileId::SeriesV4, o);
	}
};

TEST_F(ExportNoConfig, EnottyBeforeEverything)
{
	EXPECT_EQ(feature(kDmaBuf | kGet | kProbe), -ENOTTY);
	EXPECT_EQ(export_buf(2, 0, kPage), -ENOTTY);
}

class ExportIoBar : public DmabufTest
{
protected:
	void SetUp() override
	{
		auto desc = preset("nic");
		ASSERT_TRUE(desc);
		desc->bars[1].kind = BarKind::Io;
		desc->bars[1].size = 0x100;
		desc->bars[1].address = 0;
		open_desc(*desc);
	}
};

TEST_F(ExportIoBar, IoBarHasNoProviderEinval)
{
	EXPECT_EQ(export_buf(1, 0, kPage), -EINVAL);
	EXPECT_EQ(export_buf(1, 0, 0x100), -EINVAL);
}

} /* namespace */
} /* namespace softvfio::test */
