/* SPDX-License-Identifier: MIT */
/* pread/pwrite of regions: config, RAM and register BARs, EIO while memory
 * is disabled, the MSI-X hole, the ROM, bounds, f_pos and lseek. */
#include <unistd.h>

#include "vfio/device/fixture.h"

namespace softvfio::test {
namespace {

using RegionRwTest = DeviceTest;

TEST_F(RegionRwTest, RamBarReadsBackWhatWasWritten)
{
	open("ivshmem-plain");
	const char msg[] = "VFIO-GUEST-WAS-HERE";
	ASSERT_EQ(kernel_.pwrite(fd_, msg, sizeof(msg), region_offset(2) + 0x100), long(sizeof(msg)));
	char back[sizeof(msg)] = {};
	ASSERT_EQ(kernel_.pread(fd_, back, sizeof(back), region_offset(2) + 0x100), long(sizeof(back)));
	EXPECT_STREQ(back, msg);
}

/* §8.5: edu's registers behave as documented through the device fd. */
TEST_F(RegionRwTest, EduRegistersThroughPread)
{
	open("edu");
	uint32_t v = 0;
	ASSERT_EQ(kernel_.pread(fd_, &v, 4, region_offset(0)), 4);
	EXPECT_EQ(v, 0x010000edu);
	v = 0x12345678;
	ASSERT_EQ(kernel_.pwrite(fd_, &v, 4, region_offset(0) + 4), 4);
	ASSERT_EQ(kernel_.pread(fd_, &v, 4, region_offset(0) + 4), 4);
	EXPECT_EQ(v, ~0x12345678u);
	v = 10;
	ASSERT_EQ(kernel_.pwrite(fd_, &v, 4, region_offset(0) + 8), 4);
	ASSERT_EQ(kernel_.pread(fd_, &v, 4, region_offset(0) + 8), 4);
	EXPECT_EQ(v, 3628800u);
}

/* §5.10: both directions fail with EIO while memory is disabled. */
TEST_F(RegionRwTest, BarPreadWithMemoryDisabledIsEio)
{
	open("ivshmem-plain");
	set_memory(false);
	uint32_t v;
	EXPECT_EQ(kernel_.pread(fd_, &v, 4, region_offset(2)), -EIO);
}

TEST_F(RegionRwTest, BarPwriteWithMemoryDisabledIsEio)
{
	open("ivshmem-plain");
	set_memory(false);
	uint32_t v = 1;
	EXPECT_EQ(kernel_.pwrite(fd_, &v, 4, region_offset(2)), -EIO);
}

TEST_F(RegionRwTest, BarAccessWorksAgainAfterReenable)
{
	open("ivshmem-plain");
	uint32_t v = 0xfeedf00d;
	ASSERT_EQ(kernel_.pwrite(fd_, &v, 4, region_offset(2)), 4);
	set_memory(false);
	set_memory(true);
	v = 0;
	ASSERT_EQ(kernel_.pread(fd_, &v, 4, region_offset(2)), 4);
	EXPECT_EQ(v, 0xfeedf00du);
}

TEST_F(RegionRwTest, ConfigAccessIgnoresTheMemoryBit)
{
	open("ivshmem-plain");
	set_memory(false);
	EXPECT_EQ(cfg_read<uint16_t>(0), 0x1af4);
}

/* The MSI-X table reads as 0xff and swallows writes through the fd. */
TEST_F(RegionRwTest, MsixTableIsAHole)
{
	open("nic");
	uint64_t v = 0;
	ASSERT_EQ(kernel_.pwrite(fd_, &v, 8, region_offset(4)), 8);
	ASSERT_EQ(kernel_.pread(fd_, &v, 8, region_offset(4)), 8);
	EXPECT_EQ(v, ~uint64_t(0));
	/* past the 64-entry table (1 KiB) it is ordinary memory */
	v = 0x1122334455667788;
	ASSERT_EQ(kernel_.pwrite(fd_, &v, 8, region_offset(4) + 0x1000), 8);
	v = 0;
	ASSERT_EQ(kernel_.pread(fd_, &v, 8, region_offset(4) + 0x1000), 8);
	EXPECT_EQ(v, 0x1122334455667788u);
}

/* The nic's ROM is one image filling the BAR, with a valid checksum. */
TEST_F(RegionRwTest, RomIsAValidImage)
{
	open("nic");
	std::vector<uint8_t> rom(64 * 1024);
	ASSERT_EQ(kernel_.pread(fd_, rom.data(), rom.size(), region_offset(VFIO_PCI_ROM_REGION_INDEX)),
		  long(rom.size()));
	EXPECT_EQ(rom[0], 0x55);
	EXPECT_EQ(rom[1], 0xaa);
	uint8_t sum = 0;
	for (uint8_t b : rom)
		sum = static_cast<uint8_t>(sum + b);
	EXPECT_EQ(sum, 0);
}

TEST_F(RegionRwTest, RomWriteIsEinval)
{
	open("nic");
	uint8_t b = 0;
	EXPECT_EQ(kernel_.pwrite(fd_, &b, 1, region_offset(VFIO_PCI_ROM_REGION_INDEX)), -EINVAL);
}

TEST_F(RegionRwTest, RegionWithoutRomIsEinval)
{
	open("ivshmem-plain");
	uint8_t b;
	EXPECT_EQ(kernel_.pread(fd_, &b, 1, region_offset(VFIO_PCI_ROM_REGION_INDEX)), -EINVAL);
}

TEST_F(RegionRwTest, VgaAndBadIndexAreEinval)
{
	open("nic");
	uint8_t b;
	EXPECT_EQ(kernel_.pread(fd_, &b, 1, region_offset(VFIO_PCI_VGA_REGION_INDEX)), -EINVAL);
	EXPECT_EQ(kernel_.pread(fd_, &b, 1, region_offset(9)), -EINVAL);
	EXPECT_EQ(kernel_.pread(fd_, &b, 1, region_offset(3)), -EINVAL); /* empty BAR */
}

TEST_F(RegionRwTest, OffsetAtBarEndIsEinvalAndCountIsClamped)
{
	open("ivshmem-plain");
	uint8_t buf[16];
	EXPECT_EQ(kernel_.pread(fd_, buf, 1, region_offset(0) + 0x100), -EINVAL);
	EXPECT_EQ(kernel_.pread(fd_, buf, sizeof(buf), region_offset(0) + 0xf8), 8);
}

TEST_F(RegionRwTest, BadBufferIsEfault)
{
	open("ivshmem-plain");
	EXPECT_EQ(kernel_.pread(fd_, reinterpret_cast<void *>(0x10), 4, region_offset(2)), -EFAULT);
	EXPECT_EQ(kernel_.pwrite(fd_, reinterpret_cast<void *>(0x10), 4, region_offset(2)), -EFAULT);
}

TEST_F(RegionRwTest, ZeroCountReadsNothing)
{
	open("nic");
	EXPECT_EQ(kernel_.pread(fd_, nullptr, 0, region_offset(9)), 0);
}

TEST_F(RegionRwTest, ReadAndWriteUseTheFilePosition)
{
	open("ivshmem-plain");
	/* There is no lseek on a vfio device file; read() starts at 0, BAR0. */
	EXPECT_EQ(kernel_.lseek(fd_, 0, SEEK_SET), -ESPIPE);
	uint32_t a = 0, b = 0;
	ASSERT_EQ(kernel_.read(fd_, &a, 4), 4);
	ASSERT_EQ(kernel_.read(fd_, &b, 4), 4);
	uint32_t direct[2];
	ASSERT_EQ(kernel_.pread(fd_, direct, 8, region_offset(0)), 8);
	EXPECT_EQ(a, direct[0]);
	EXPECT_EQ(b, direct[1]);
}

} /* namespace */
} /* namespace softvfio::test */
