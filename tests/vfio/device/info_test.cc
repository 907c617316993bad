/* SPDX-License-Identifier: MIT */
/* GET_INFO, GET_REGION_INFO and GET_IRQ_INFO: argsz rules, fields, caps. */
#include "vfio/device/fixture.h"

namespace softvfio::test {
namespace {

using InfoTest = DeviceTest;

TEST_F(InfoTest, DeviceInfoOfNicHasResetAndPci)
{
	open("nic");
	vfio_device_info info{};
	info.argsz = sizeof(info);
	ASSERT_EQ(ioctl(VFIO_DEVICE_GET_INFO, &info), 0);
	EXPECT_EQ(info.flags, unsigned(VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET));
	EXPECT_EQ(info.num_regions, 9u);
	EXPECT_EQ(info.num_irqs, 5u);
	EXPECT_EQ(info.cap_offset, 0u);
}

TEST_F(InfoTest, DeviceInfoArgszBelowMinimumIsEinval)
{
	open("nic");
	vfio_device_info info{};
	info.argsz = 15;
	EXPECT_EQ(ioctl(VFIO_DEVICE_GET_INFO, &info), -EINVAL);
}

/* The kernel writes back only min(argsz, sizeof): a 16-byte caller's
 * bytes beyond that are untouched. */
TEST_F(InfoTest, DeviceInfoWritesOnlyArgszBytes)
{
	open("nic");
	struct {
		vfio_device_info info;
		uint32_t canary;
	} buf;
	std::memset(&buf, 0xab, sizeof(buf));
	buf.info.argsz = 16;
	ASSERT_EQ(ioctl(VFIO_DEVICE_GET_INFO, &buf), 0);
	EXPECT_EQ(buf.info.num_irqs, 5u);
	EXPECT_EQ(buf.info.cap_offset, 0xababababu);
}

TEST_F(InfoTest, DeviceInfoBadPointerIsEfault)
{
	open("nic");
	EXPECT_EQ(ioctl(VFIO_DEVICE_GET_INFO, uintptr_t(0x10)), -EFAULT);
}

TEST_F(InfoTest, RegionInfoArgszBelowMinimumIsEinval)
{
	open("nic");
	vfio_region_info info{};
	info.argsz = 31;
	info.index = 0;
	EXPECT_EQ(ioctl(VFIO_DEVICE_GET_REGION_INFO, &info), -EINVAL);
}

TEST_F(InfoTest, RegionInfoVgaAndBeyondAreEinval)
{
	open("nic");
	for (unsigned index : {8u, 9u, 100u}) {
		vfio_region_info info{};
		info.argsz = sizeof(info);
		info.index = index;
		EXPECT_EQ(ioctl(VFIO_DEVICE_GET_REGION_INFO, &info), -EINVAL) << index;
	}
}

TEST_F(InfoTest, RegionOffsetsEncodeTheIndex)
{
	open("nic");
	for (unsigned i = 0; i < 8; i++)
		EXPECT_EQ(region(i).offset, region_offset(i)) << i;
}

TEST_F(InfoTest, EmptyBarReportsNoFlags)
{
	open("nic");
	auto info = region(3); /* upper half of the 64-bit BAR2 */
	EXPECT_EQ(info.size, 0u);
	EXPECT_EQ(info.flags, 0u);
}

TEST_F(InfoTest, ConfigRegionIs4KiBForExpress)
{
	open("nic");
	auto info = region(VFIO_PCI_CONFIG_REGION_INDEX);
	EXPECT_EQ(info.size, 4096u);
	EXPECT_EQ(info.flags, unsigned(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE));
}

TEST_F(InfoTest, RomWithValidImageIsReadOnly)
{
	open("nic");
	auto info = region(VFIO_PCI_ROM_REGION_INDEX);
	EXPECT_EQ(info.flags, unsigned(VFIO_REGION_INFO_FLAG_READ));
	EXPECT_EQ(info.size, 64u * 1024);
}

/* The MSI-X BAR carries MSIX_MAPPABLE instead of a sparse-mmap hole; a
 * 32-byte caller learns the size it needs and gets cap_offset 0. */
TEST_F(InfoTest, MsixBarCapabilityGrowsArgsz)
{
	open("nic");
	vfio_region_info info{};
	info.argsz = sizeof(info);
	info.index = 4;
	ASSERT_EQ(ioctl(VFIO_DEVICE_GET_REGION_INFO, &info), 0);
	EXPECT_EQ(info.argsz, sizeof(info) + sizeof(vfio_info_cap_header));
	EXPECT_TRUE(info.flags & VFIO_REGION_INFO_FLAG_CAPS);
	EXPECT_TRUE(info.flags & VFIO_REGION_INFO_FLAG_MMAP);
	EXPECT_EQ(info.cap_offset, 0u);
}

TEST_F(InfoTest, MsixBarCapabilityChainWhenItFits)
{
	open("nic");
	struct {
		vfio_region_info info;
		vfio_info_cap_header cap;
	} buf{};
	buf.info.argsz = sizeof(buf);
	buf.info.index = 4;
	ASSERT_EQ(ioctl(VFIO_DEVICE_GET_REGION_INFO, &buf), 0);
	EXPECT_EQ(buf.info.cap_offset, sizeof(vfio_region_info));
	EXPECT_EQ(buf.cap.id, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
	EXPECT_EQ(buf.cap.version, 1);
	EXPECT_EQ(buf.cap.next, 0u);
}

TEST_F(InfoTest, RegionInfoBadPointerIsEfault)
{
	open("nic");
	EXPECT_EQ(ioctl(VFIO_DEVICE_GET_REGION_INFO, uintptr_t(0x10)), -EFAULT);
}

TEST_F(InfoTest, IrqInfoArgszAndIndexChecks)
{
	open("nic");
	vfio_irq_info info{};
	info.argsz = 15;
	EXPECT_EQ(ioctl(VFIO_DEVICE_GET_IRQ_INFO, &info), -EINVAL);
	info.argsz = sizeof(info);
	info.index = 5;
	EXPECT_EQ(ioctl(VFIO_DEVICE_GET_IRQ_INFO, &info), -EINVAL);
}

TEST_F(InfoTest, ErrIndexExistsOnlyForExpress)
{
	open("edu");
	vfio_irq_info info{};
	info.argsz = sizeof(info);
	info.index = VFIO_PCI_ERR_IRQ_INDEX;
	EXPECT_EQ(ioctl(VFIO_DEVICE_GET_IRQ_INFO, &info), -EINVAL);
}

TEST_F(InfoTest, NicIrqIndexes)
{
	open("nic");
	struct Want {
		unsigned index, count, flags;
	};
	/* MSI-X can grow (no NORESIZE) on a function that has it. */
	for (Want w : {Want{0, 1, 0x7}, Want{1, 8, 0x9}, Want{2, 64, 0x1}, Want{3, 1, 0x9}, Want{4, 1, 0x9}}) {
		vfio_irq_info info{};
		info.argsz = sizeof(info);
		info.index = w.index;
		ASSERT_EQ(ioctl(VFIO_DEVICE_GET_IRQ_INFO, &info), 0) << w.index;
		EXPECT_EQ(info.count, w.count) << w.index;
		EXPECT_EQ(info.flags, w.flags) << w.index;
	}
}

} /* namespace */
} /* namespace softvfio::test */
