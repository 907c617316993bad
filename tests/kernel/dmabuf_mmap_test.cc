/* SPDX-License-Identifier: MIT */
/*
 * mmap of an exported DMABUF fd (docs/semantics.md §2.7, §4.3, §5.6):
 * every row with its errno and the order of competing errors, the buffer
 * layout a mapping sees, aliasing, names, and the file operations.
 */
#include <unistd.h>

#include "kernel/dmabuf_fixture.h"
#include "support/proc_maps.h"

namespace softvfio::test {
namespace {

class DmabufMmapTest : public DmabufTest
{
protected:
	void SetUp() override { open("nic"); }

	void poke(uint64_t bar_off, uint32_t v)
	{
		ASSERT_EQ(kernel_.pwrite(fd_, &v, 4, static_cast<off_t>(region_offset(2) + bar_off)), 4);
	}
	static uint8_t *at(void *p, uint64_t off) { return static_cast<uint8_t *>(p) + off; }
};

/* --- §5.6 rows --- */

TEST_F(DmabufMmapTest, WindowBeyondBufferIsEinval)
{
	int fd = static_cast<int>(export_buf(2, 0, 4 * kPage));
	EXPECT_EQ(map_errno(fd, 0, 5 * kPage), -EINVAL);
	EXPECT_EQ(map_errno(fd, 2 * kPage, 3 * kPage), -EINVAL);
	EXPECT_EQ(map_errno(fd, 4 * kPage, kPage), -EINVAL);
	EXPECT_EQ(map_errno(fd, 3 * kPage, kPage), 0);
	/* A partial last page counts as a whole page. */
	EXPECT_EQ(map_errno(fd, 3 * kPage, kPage + 1), -EINVAL);
}

TEST_F(DmabufMmapTest, TempRevokedIsEnodev)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	set_memory(false);
	EXPECT_EQ(map_errno(fd, 0, kPage), -ENODEV);
	set_memory(true);
	EXPECT_EQ(map_errno(fd, 0, kPage), 0);
}

TEST_F(DmabufMmapTest, PermRevokedIsEnodev)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	ASSERT_EQ(revoke(fd), 0);
	EXPECT_EQ(map_errno(fd, 0, kPage), -ENODEV);
}

TEST_F(DmabufMmapTest, PrivateIsEinval)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(map_errno(fd, 0, kPage, kRW, MAP_PRIVATE), -EINVAL);
	EXPECT_EQ(map_errno(fd, 0, kPage, PROT_READ, MAP_PRIVATE), -EINVAL);
}

TEST_F(DmabufMmapTest, WritableSharedMapOfReadOnlyBufferIsEacces)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage, O_RDONLY | O_CLOEXEC));
	EXPECT_EQ(map_errno(fd, 0, kPage, kRW), -EACCES);
	EXPECT_EQ(map_errno(fd, 0, kPage, PROT_READ), 0);
}

TEST_F(DmabufMmapTest, ReadOnlyMappingCannotBeMadeWritable)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage, O_RDONLY));
	void *p = map_buf(fd, kPage, 0, PROT_READ);
	ASSERT_NE(p, MAP_FAILED);
	EXPECT_EQ(kernel_.mprotect(p, kPage, kRW), -EACCES);
}

TEST_F(DmabufMmapTest, WriteOnlyBufferCannotBeMapped)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage, O_WRONLY));
	EXPECT_EQ(map_errno(fd, 0, kPage, PROT_WRITE), -EACCES);
}

TEST_F(DmabufMmapTest, OrderEaccesBeforeWindowAndStatus)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage, O_RDONLY));
	set_memory(false);
	EXPECT_EQ(map_errno(fd, 0, 2 * kPage, kRW), -EACCES);
}

TEST_F(DmabufMmapTest, OrderWindowBeforeStatus)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	set_memory(false);
	EXPECT_EQ(map_errno(fd, 0, 2 * kPage), -EINVAL);
}

TEST_F(DmabufMmapTest, OrderStatusBeforePrivate)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	ASSERT_EQ(revoke(fd), 0);
	EXPECT_EQ(map_errno(fd, 0, kPage, kRW, MAP_PRIVATE), -ENODEV);
}

TEST_F(DmabufMmapTest, SharedValidateCountsAsShared)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(map_errno(fd, 0, kPage, kRW, MAP_SHARED_VALIDATE), 0);
}

/* --- layout --- */

TEST_F(DmabufMmapTest, OffsetZeroIsBufferByteZeroAcrossRanges)
{
	poke(0x5000, 0xa0);
	poke(0x1000, 0xb0);
	poke(0x2000, 0xc0);
	int fd = static_cast<int>(export_buf(2, RangeList{{0x5000, kPage}, {0x1000, 2 * kPage}}));
	void *p = map_buf(fd, 3 * kPage);
	ASSERT_NE(p, MAP_FAILED);
	EXPECT_EQ(read32(p), 0xa0u);
	EXPECT_EQ(read32(at(p, kPage)), 0xb0u);
	EXPECT_EQ(read32(at(p, 2 * kPage)), 0xc0u);
	void *q = map_buf(fd, kPage, 2 * kPage);
	ASSERT_NE(q, MAP_FAILED);
	EXPECT_EQ(read32(q), 0xc0u);
	EXPECT_EQ(mapping(q)->offset, 2 * kPage);
}

TEST_F(DmabufMmapTest, AliasingBuffersShareMemory)
{
	int a = static_cast<int>(export_buf(2, 0x40000, kPage));
	int b = static_cast<int>(export_buf(2, RangeList{{0x10000, kPage}, {0x40000, kPage}}));
	void *pa = map_buf(a, kPage);
	void *pb = map_buf(b, 2 * kPage);
	ASSERT_NE(pa, MAP_FAILED);
	ASSERT_NE(pb, MAP_FAILED);
	write32(at(pa, 0x80), 0xdeadbeef);
	EXPECT_EQ(read32(at(pb, kPage + 0x80)), 0xdeadbeefu);
	/* And through a BAR mapping of the same bytes. */
	void *bar = map_bar(region_offset(2) + 0x40000, kPage);
	ASSERT_NE(bar, MAP_FAILED);
	EXPECT_EQ(read32(at(bar, 0x80)), 0xdeadbeefu);
}

TEST_F(DmabufMmapTest, RangeRepeatedInOneBufferAliasesItself)
{
	int fd = static_cast<int>(export_buf(2, RangeList{{0x7000, kPage}, {0x7000, kPage}}));
	void *p = map_buf(fd, 2 * kPage);
	ASSERT_NE(p, MAP_FAILED);
	write32(p, 0x600d);
	EXPECT_EQ(read32(at(p, kPage)), 0x600du);
}

/* --- what the VMA is --- */

TEST_F(DmabufMmapTest, VmaIsTheDmabufWithAnEmptyName)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	void *p = map_buf(fd, kPage);
	ASSERT_NE(p, MAP_FAILED);
	auto m = mapping(p);
	ASSERT_TRUE(m);
	EXPECT_EQ(m->path, "/dmabuf:");
	EXPECT_EQ(m->kind, "dma-buf");
	EXPECT_EQ(m->buffer_id, *kernel_.buffer_id(fd));
	EXPECT_EQ(m->attr, MemoryAttribute::Uncached);
	EXPECT_EQ(buffer_of(fd).mappings, 1u);
}

TEST_F(DmabufMmapTest, SetNameRenamesTheMapping)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	void *p = map_buf(fd, kPage);
	ASSERT_NE(p, MAP_FAILED);
	ASSERT_EQ(kernel_.ioctl(fd, DMA_BUF_SET_NAME_B, const_cast<char *>("rx-ring")), 0);
	EXPECT_EQ(mapping(p)->path, "/dmabuf:rx-ring");
	EXPECT_EQ(buffer_of(fd).name, "rx-ring");
	ASSERT_EQ(kernel_.ioctl(fd, DMA_BUF_SET_NAME_A, const_cast<char *>("tx")), 0);
	EXPECT_EQ(mapping(p)->path, "/dmabuf:tx");
}

TEST_F(DmabufMmapTest, MappingDoesNotKeepTheDeviceOpen)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	void *p = map_buf(fd, kPage);
	ASSERT_NE(p, MAP_FAILED);
	ASSERT_EQ(kernel_.close(fd_), 0);
	fds_.erase(fds_.begin());
	EXPECT_EQ(state().open_count, 0u);
	EXPECT_TRUE(sigbus(p));
	EXPECT_FALSE(buffer_of(fd).attached);
}

/* --- the other file operations --- */

TEST_F(DmabufMmapTest, LlseekOnlyFindsTheEnd)
{
	int fd = static_cast<int>(export_buf(2, 0, 3 * kPage));
	EXPECT_EQ(kernel_.lseek(fd, 0, SEEK_END), long(3 * kPage));
	EXPECT_EQ(kernel_.lseek(fd, 0, SEEK_SET), 0);
	EXPECT_EQ(kernel_.lseek(fd, 0, SEEK_CUR), -EINVAL);
	EXPECT_EQ(kernel_.lseek(fd, 1, SEEK_SET), -EINVAL);
	EXPECT_EQ(kernel_.lseek(fd, -1, SEEK_END), -EINVAL);
	EXPECT_EQ(kernel_.lseek(fd, 0, SEEK_DATA), -EINVAL);
}

TEST_F(DmabufMmapTest, ReadAndWriteAreEinval)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	char b[4];
	EXPECT_EQ(kernel_.read(fd, b, 4), -EINVAL);
	EXPECT_EQ(kernel_.write(fd, b, 4), -EINVAL);
}

TEST_F(DmabufMmapTest, UnknownIoctlsAreEnotty)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(kernel_.ioctl(fd, DMA_BUF_IOCTL_REVOKE, uintptr_t(0)), -ENOTTY);
	EXPECT_EQ(kernel_.ioctl(fd, VFIO_DEVICE_FEATURE, uintptr_t(0)), -ENOTTY);
	EXPECT_EQ(kernel_.ioctl(fd, _IOW('b', 1, uint16_t), uintptr_t(0)), -ENOTTY);
}

TEST_F(DmabufMmapTest, SetNameOfThirtyOneCharactersFits)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	std::string name(31, 'n');
	EXPECT_EQ(kernel_.ioctl(fd, DMA_BUF_SET_NAME_B, name.data()), 0);
	EXPECT_EQ(buffer_of(fd).name, name);
}

TEST_F(DmabufMmapTest, SetNameWithoutNulInThirtyTwoBytesIsEinval)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	std::string name(32, 'n');
	EXPECT_EQ(kernel_.ioctl(fd, DMA_BUF_SET_NAME_B, name.data()), -EINVAL);
	EXPECT_EQ(buffer_of(fd).name, "");
}

TEST_F(DmabufMmapTest, SetNameBadPointerIsEfault)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	EXPECT_EQ(kernel_.ioctl(fd, DMA_BUF_SET_NAME_B, uintptr_t(8)), -EFAULT);
}

TEST_F(DmabufMmapTest, SetNameWhileAttachedIsAllowed)
{
	struct Quiet : Importer {
		void invalidate(Attachment &) override {}
	} importer;
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	auto att = kernel_.attach_dma_buf(fd, importer);
	ASSERT_TRUE(att);
	EXPECT_EQ(kernel_.ioctl(fd, DMA_BUF_SET_NAME_B, const_cast<char *>("busy")), 0);
}

TEST_F(DmabufMmapTest, SyncValidatesFlags)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	dma_buf_sync s{};
	for (uint64_t ok : {DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_RW,
			    DMA_BUF_SYNC_RW | DMA_BUF_SYNC_END, DMA_BUF_SYNC_READ | DMA_BUF_SYNC_END}) {
		s.flags = ok;
		EXPECT_EQ(kernel_.ioctl(fd, DMA_BUF_IOCTL_SYNC, &s), 0) << ok;
	}
	for (uint64_t bad : {uint64_t(0), uint64_t(DMA_BUF_SYNC_END), uint64_t(8), uint64_t(1) << 40,
			     uint64_t(DMA_BUF_SYNC_RW | 16)}) {
		s.flags = bad;
		EXPECT_EQ(kernel_.ioctl(fd, DMA_BUF_IOCTL_SYNC, &s), -EINVAL) << bad;
	}
	EXPECT_EQ(kernel_.ioctl(fd, DMA_BUF_IOCTL_SYNC, uintptr_t(8)), -EFAULT);
}

/* --- §7 item 2, the experiment: map and fault on TEMP --- */

class MapAndFaultOnTemp : public DmabufTest
{
protected:
	void SetUp() override
	{
		DeviceOptions o;
		o.map_and_fault_on_temp = true;
		open("nic", ProfileId::SeriesV4, o);
	}
};

TEST_F(MapAndFaultOnTemp, TempMapsAndSigbusesThenWorks)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	set_memory(false);
	void *p = map_buf(fd, kPage);
	ASSERT_NE(p, MAP_FAILED);
	EXPECT_TRUE(sigbus(p));
	set_memory(true);
	EXPECT_TRUE(readable(p));
}

TEST_F(MapAndFaultOnTemp, PermStillEnodev)
{
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	ASSERT_EQ(revoke(fd), 0);
	EXPECT_EQ(map_errno(fd, 0, kPage), -ENODEV);
}

} /* namespace */
} /* namespace softvfio::test */
