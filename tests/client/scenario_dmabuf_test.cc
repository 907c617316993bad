/* SPDX-License-Identifier: MIT */
/* Scenarios: DMABUF export, memory attribute, revoke, lifetime. */
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include "client/scenario_fixture.h"

namespace softvfio::test {
namespace {

using namespace softvfio::client;

class DmaBufScenario : public ClientScenario
{
protected:
	/* Export two pages of BAR2 at 4 MiB; null when the profile has no
	 * export (and then checks that the kernel said ENOTTY). */
	std::optional<DmaBuf> export_two_pages(Device &dev)
	{
		BarRange range{4 << 20, 2 * kPage};
		auto buf = dev.export_dma_buf(2, std::span<const BarRange>(&range, 1));
		if (!has_dma_buf()) {
			EXPECT_EQ(buf.code(), ENOTTY);
			return std::nullopt;
		}
		EXPECT_TRUE(buf) << buf.error().message();
		if (!buf)
			return std::nullopt;
		return std::move(*buf);
	}
};

TEST_F(DmaBufScenario, ExportReportsSizeAndFd)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto buf = export_two_pages(*dev);
	if (!buf)
		return;
	EXPECT_EQ(buf->size(), 2 * kPage);
	EXPECT_GE(buf->fd(), 0);
	EXPECT_EQ(backend_->lseek(buf->fd(), 0, SEEK_END), static_cast<long>(2 * kPage));
}

TEST_F(DmaBufScenario, ExportOfAnUnalignedRangeIsEINVAL)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	BarRange range{100, kPage};
	auto buf = dev->export_dma_buf(2, std::span<const BarRange>(&range, 1));
	ASSERT_FALSE(buf);
	EXPECT_EQ(buf.code(), has_dma_buf() ? EINVAL : ENOTTY);
}

TEST_F(DmaBufScenario, ExportOfTheRomIsENODEV)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	BarRange range{0, kPage};
	auto buf = dev->export_dma_buf(kRomRegion, std::span<const BarRange>(&range, 1));
	ASSERT_FALSE(buf);
	EXPECT_EQ(buf.code(), has_dma_buf() ? ENODEV : ENOTTY);
}

TEST_F(DmaBufScenario, MapShowsTheBarBytes)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto buf = export_two_pages(*dev);
	if (!buf)
		return;
	auto map = buf->map();
	if (!has_dma_buf_mmap()) {
		EXPECT_EQ(map.code(), EINVAL);
		return;
	}
	ASSERT_TRUE(map) << map.error().message();
	EXPECT_EQ(map->kind(), MappingKind::DmaBuf);
	EXPECT_EQ(map->size(), 2 * kPage);
	uint32_t pattern = 0xabcd1234u;
	ASSERT_TRUE(dev->write_region(2, (4 << 20) + kPage, &pattern, sizeof(pattern)));
	auto v = map->read<uint32_t>(kPage);
	ASSERT_TRUE(v);
	EXPECT_EQ(*v, pattern);
}

TEST_F(DmaBufScenario, MemattrIsRecordedForLaterMappings)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto buf = export_two_pages(*dev);
	if (!buf)
		return;
	auto set = buf->set_memattr(MemAttr::WC);
	if (!has_dma_buf_mmap()) {
		EXPECT_EQ(set.code(), ENOTTY);
		return;
	}
	ASSERT_TRUE(set) << set.error().message();
	EXPECT_EQ(buf->memattr(), MemAttr::WC);
	auto map = buf->map();
	ASSERT_TRUE(map);
	EXPECT_EQ(map->memattr(), MemAttr::WC);
}

TEST_F(DmaBufScenario, UnknownMemattrUsesTheProfilesErrno)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto buf = export_two_pages(*dev);
	if (!buf)
		return;
	auto set = buf->set_memattr(static_cast<MemAttr>(7));
	ASSERT_FALSE(set);
	int expected = profile() == ProfileId::SeriesV4 ? ENOENT : profile() == ProfileId::SeriesV2 ? kENOTSUPP : ENOTTY;
	EXPECT_EQ(set.code(), expected);
	EXPECT_EQ(buf->memattr(), MemAttr::NC);
}

TEST_F(DmaBufScenario, RevokeIsPermanentAndVisibleWithoutTouching)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto buf = export_two_pages(*dev);
	if (!buf)
		return;
	if (!has_dma_buf_mmap()) {
		EXPECT_EQ(buf->revoke().code(), ENOTTY);
		return;
	}
	auto map = buf->map();
	ASSERT_TRUE(map);
	EXPECT_TRUE(map->accessible());
	auto r = buf->revoke();
	ASSERT_TRUE(r) << r.error().message();
	EXPECT_FALSE(map->accessible());
	EXPECT_EQ(map->read<uint32_t>(0).code(), EIO);
	EXPECT_EQ(buf->revoke().code(), EBADFD);
	EXPECT_EQ(buf->map().code(), ENODEV);
	/* Revocation is per buffer: the BAR itself still works. */
	auto bar = dev->map_bar(2, 4 << 20, kPage);
	ASSERT_TRUE(bar);
	EXPECT_TRUE(bar->accessible());
}

TEST_F(DmaBufScenario, ClosingTheDeviceCleansUpItsBuffers)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto buf = export_two_pages(*dev);
	if (!buf || !has_dma_buf_mmap())
		return;
	auto map = buf->map();
	ASSERT_TRUE(map);
	close();
	EXPECT_FALSE(map->accessible());
	EXPECT_EQ(map->read<uint32_t>(0).code(), EIO);
	EXPECT_EQ(buf->revoke().code(), ENODEV);
	EXPECT_EQ(buf->map().code(), ENODEV);
}

TEST_F(DmaBufScenario, AdoptedFdSharesTheBuffer)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto buf = export_two_pages(*dev);
	if (!buf)
		return;
	auto fd = buf->dup_fd();
	ASSERT_TRUE(fd);
	auto copy = DmaBuf::adopt(backend_, *fd);
	ASSERT_TRUE(copy) << copy.error().message();
	EXPECT_EQ(copy->size(), buf->size());
	EXPECT_EQ(copy->revoke().code(), ENODEV);
	if (!has_dma_buf_mmap())
		return;
	auto a = buf->map();
	auto b = copy->map();
	ASSERT_TRUE(a);
	ASSERT_TRUE(b);
	ASSERT_TRUE(a->write<uint32_t>(8, 0x600dd00du));
	auto v = b->read<uint32_t>(8);
	ASSERT_TRUE(v);
	EXPECT_EQ(*v, 0x600dd00du);
}

TEST_F(DmaBufScenario, AdoptingANonBufferFails)
{
	auto r = DmaBuf::adopt(backend_, -1);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.code(), EBADF);
}

} /* namespace */
} /* namespace softvfio::test */
