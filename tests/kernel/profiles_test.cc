/* SPDX-License-Identifier: MIT */
/*
 * docs/semantics.md §1.1: one test per difference row between the
 * profiles linux-6.12, linux-6.19, series-v2 and series-v4, each checking
 * every profile.
 */
#include <atomic>
#include <thread>

#include "kernel/dmabuf_fixture.h"
#include "kernel/test_importer.h"
#include "support/proc_maps.h"

namespace softvfio::test {
namespace {

constexpr ProfileId k612 = ProfileId::Linux612;
constexpr ProfileId k619 = ProfileId::Linux619;
constexpr ProfileId kV2 = ProfileId::SeriesV2;
constexpr ProfileId kV4 = ProfileId::SeriesV4;

class ProfilesTest : public DmabufTest
{
protected:
	long probe(uint32_t index, uint32_t op) { return feature(index | op | kProbe); }
};

TEST_F(ProfilesTest, DefaultProfileIsSeriesV4)
{
	open("nic", default_profile().id);
	EXPECT_EQ(state().profile, "series-v4");
}

TEST_F(ProfilesTest, Row01Feature11DmaBuf)
{
	open("nic", k612);
	EXPECT_EQ(probe(11, kGet), -ENOTTY);
	EXPECT_EQ(export_buf(2, 0, kPage), -ENOTTY);
	for (ProfileId id : {k619, kV2, kV4}) {
		open("nic", id);
		EXPECT_EQ(probe(11, kGet), 0);
		EXPECT_EQ(probe(11, kSet), -EINVAL);
		EXPECT_GE(export_buf(2, 0, kPage), 0);
	}
}

TEST_F(ProfilesTest, Row02Feature13)
{
	for (ProfileId id : {k612, k619}) {
		open("nic", id);
		EXPECT_EQ(probe(13, kGet), -ENOTTY);
		EXPECT_EQ(probe(13, kSet), -ENOTTY);
	}
	open("nic", kV2);   /* MEMATTR, GET and SET */
	EXPECT_EQ(probe(13, kGet), 0);
	EXPECT_EQ(probe(13, kSet), 0);
	open("nic", kV4);   /* REVOKE, SET only */
	EXPECT_EQ(probe(13, kGet), -EINVAL);
	EXPECT_EQ(probe(13, kSet), 0);
}

TEST_F(ProfilesTest, Row03Feature14)
{
	for (ProfileId id : {k612, k619, kV2}) {
		open("nic", id);
		EXPECT_EQ(probe(14, kGet), -ENOTTY);
		EXPECT_EQ(probe(14, kSet), -ENOTTY);
	}
	open("nic", kV4);   /* MEMATTR, SET only */
	EXPECT_EQ(probe(14, kGet), -EINVAL);
	EXPECT_EQ(probe(14, kSet), 0);
}

TEST_F(ProfilesTest, Row04DeviceIoctl122)
{
	vfio_pci_dmabuf_revoke req{8, -1};
	for (ProfileId id : {k612, k619, kV4}) {
		open("nic", id);
		EXPECT_EQ(kernel_.ioctl(fd_, VFIO_DEVICE_PCI_DMABUF_REVOKE, &req), -ENOTTY);
	}
	open("nic", kV2);
	EXPECT_EQ(kernel_.ioctl(fd_, VFIO_DEVICE_PCI_DMABUF_REVOKE, &req), -EBADF);
}

TEST_F(ProfilesTest, Row05BarMmapThroughTheDeviceFd)
{
	for (ProfileId id : {k612, k619, kV2, kV4}) {
		open("nic", id);
		void *p = map_bar(region_offset(2) + 0x30000, kPage);
		ASSERT_NE(p, MAP_FAILED);
		auto m = mapping(p);
		ASSERT_TRUE(m);
		/* vm_pgoff is the mmap offset everywhere. */
		EXPECT_EQ(m->offset, 0x20000030000u);
		EXPECT_EQ(maps_line(p)->offset, 0x20000030000u);
		bool series = id == kV2 || id == kV4;
		EXPECT_EQ(m->kind, series ? "dma-buf" : "vfio-device");
		EXPECT_EQ(m->buffer_id.has_value(), series);
		EXPECT_EQ(hidden_buffers().size(), series ? 1u : 0u);
	}
}

TEST_F(ProfilesTest, Row06MapsNameOfABarVma)
{
	for (ProfileId id : {k612, k619, kV2, kV4}) {
		open("nic", id);
		void *p = map_bar(region_offset(2), kPage);
		bool series = id == kV2 || id == kV4;
		std::string name = series ? "/dmabuf:" + state().vfio_name + ":" + bdf_ + "/2" : "anon_inode:[vfio-device]";
		EXPECT_EQ(mapping(p)->path, name);
	}
}

TEST_F(ProfilesTest, Row07MmapOfAnExportedDmabuf)
{
	open("nic", k619);
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(map_errno(fd, 0, kPage), -EINVAL);
	EXPECT_EQ(map_errno(fd, 0, kPage, PROT_READ), -EINVAL);
	for (ProfileId id : {kV2, kV4}) {
		open("nic", id);
		int b = static_cast<int>(export_buf(2, 0, kPage));
		EXPECT_EQ(map_errno(b, 0, kPage), 0);
		set_memory(false);
		EXPECT_EQ(map_errno(b, 0, kPage), -ENODEV);
		set_memory(true);
		ASSERT_EQ(revoke(b), 0);
		EXPECT_EQ(map_errno(b, 0, kPage), -ENODEV);
	}
}

TEST_F(ProfilesTest, Row08UnknownMemattrValue)
{
	open("nic", kV2);
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(memattr(fd, 9), -524);
	open("nic", kV4);
	fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(memattr(fd, 9), -ENOENT);
}

TEST_F(ProfilesTest, Row09MemattrStubWithoutConfig)
{
	open("nic", kV2, no_dmabuf_config());
	EXPECT_EQ(probe(13, kSet), -ENODEV);
	open("nic", kV4, no_dmabuf_config());
	EXPECT_EQ(probe(14, kSet), -ENOTTY);
}

/* Row 10: v4 writes MEMATTR lock-free, v2 under memory_lock. A revoke
 * blocked on an importer holds memory_lock for writing meanwhile. */
class MemattrLocking : public DmabufTest
{
protected:
	/* Whether a MEMATTR SET completes while an importer still holds a
	 * mapping of another buffer whose revoke therefore blocks, holding
	 * memory_lock for writing. With `lock_free`, wait for the SET to
	 * finish (it must, or the test hangs); otherwise let it try for a
	 * while, then let the revoke finish. */
	bool memattr_completes_during_blocked_revoke(ProfileId id, bool lock_free)
	{
		open("nic", id);
		int victim = static_cast<int>(export_buf(2, 0, kPage));
		int other = static_cast<int>(export_buf(2, kPage, kPage));
		TestImporter importer;
		importer.unmap_on_invalidate = false;
		std::atomic<bool> notified{false}, started{false}, set_done{false}, unmapping{false};
		bool during = false;
		importer.hook = [&](Attachment &) { notified = true; };
		auto att = kernel_.attach_dma_buf(victim, importer);
		EXPECT_TRUE(att && (*att)->map());
		std::thread revoker([&] { EXPECT_EQ(revoke(victim), 0); });
		wait_for(notified);
		std::thread setter([&] {
			started = true;
			EXPECT_EQ(memattr(other, VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_WC), 0);
			during = !unmapping.load();
			set_done = true;
		});
		wait_for(started);
		if (lock_free)
			wait_for(set_done);
		else
			for (int i = 0; i < 20000 && !set_done.load(); i++)
				std::this_thread::yield();
		unmapping = true;
		EXPECT_TRUE((*att)->unmap());
		revoker.join();
		setter.join();
		att->reset();
		return during;
	}
};

TEST_F(MemattrLocking, Row10V4IsLockFreeV2TakesMemoryLock)
{
	EXPECT_TRUE(memattr_completes_during_blocked_revoke(kV4, true));
	EXPECT_FALSE(memattr_completes_during_blocked_revoke(kV2, false));
}

TEST_F(ProfilesTest, Row11RevocationState)
{
	/* 6.19: one bit, no permanent revocation. */
	open("nic", k619);
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	set_memory(false);
	EXPECT_EQ(buffer_of(fd).status, BufferStatus::TempRevoked);
	set_memory(true);
	EXPECT_EQ(buffer_of(fd).status, BufferStatus::Ok);
	EXPECT_EQ(probe(13, kSet), -ENOTTY);
	for (ProfileId id : {kV2, kV4}) {
		open("nic", id);
		int b = static_cast<int>(export_buf(2, 0, kPage));
		set_memory(false);
		EXPECT_EQ(buffer_of(b).status, BufferStatus::TempRevoked);
		ASSERT_EQ(revoke(b), 0);
		EXPECT_EQ(buffer_of(b).status, BufferStatus::PermRevoked);
		set_memory(true);
		EXPECT_EQ(buffer_of(b).status, BufferStatus::PermRevoked);
	}
}

TEST_F(ProfilesTest, Row12ImportersNotified)
{
	for (ProfileId id : {k619, kV2, kV4}) {
		open("nic", id);
		int fd = static_cast<int>(export_buf(2, 0, kPage));
		TestImporter importer;
		auto att = kernel_.attach_dma_buf(fd, importer);
		ASSERT_TRUE(att);
		set_memory(false);
		EXPECT_EQ(importer.invalidations, 1);
		set_memory(true);
		EXPECT_EQ(importer.invalidations, id == kV4 ? 1 : 2) << static_cast<int>(id);
	}
}

TEST_F(ProfilesTest, Row13ZapOfDeviceFileMappings)
{
	/* Classic profiles zap the device file's own mappings; the series
	 * revoke the hidden buffer behind each. Either way, SIGBUS. */
	for (ProfileId id : {k612, k619, kV2, kV4}) {
		open("nic", id);
		void *p = map_bar(region_offset(2), kPage);
		write32(p, 0x13);
		set_memory(false);
		EXPECT_TRUE(sigbus(p)) << static_cast<int>(id);
		set_memory(true);
		EXPECT_EQ(read32(p), 0x13u);
	}
	/* 6.19 also moves exported buffers. */
	open("nic", k619);
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	set_memory(false);
	EXPECT_EQ(buffer_of(fd).status, BufferStatus::TempRevoked);
}

TEST_F(ProfilesTest, Row14DeviceResetEndsInD0WithMappingsBack)
{
	constexpr uint8_t kCapPm = 0x01;
	for (ProfileId id : {k612, k619, kV2, kV4}) {
		open("nic", id);
		void *p = map_bar(region_offset(2), kPage);
		write32(p, 0x14);
		uint8_t pm = find_cap(kCapPm);
		ASSERT_EQ(config_write16(pm + 4, static_cast<uint16_t>(config16(pm + 4) | 3)), 2);
		EXPECT_TRUE(sigbus(p));
		ASSERT_EQ(kernel_.ioctl(fd_, VFIO_DEVICE_RESET, uintptr_t(0)), 0);
		EXPECT_EQ(state().power_state, "D0");
		EXPECT_EQ(read32(p), 0x14u) << static_cast<int>(id);
	}
}

} /* namespace */
} /* namespace softvfio::test */
