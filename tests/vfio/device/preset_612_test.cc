/* SPDX-License-Identifier: MIT */
/* The ivshmem-plain and edu presets against what a real 6.12 kernel reports
 * for QEMU's devices through vfio-pci (docs/semantics-realkernel.md
 * §8.2–§8.5, the observations of a stock Debian 6.12 guest). */
#include "vfio/device/fixture.h"

namespace softvfio::test {
namespace {

class Preset612Test : public DeviceTest
{
protected:
	void expect_region(unsigned index, uint64_t size, uint32_t flags)
	{
		vfio_region_info info{};
		info.argsz = sizeof(info);
		info.index = index;
		ASSERT_EQ(ioctl(VFIO_DEVICE_GET_REGION_INFO, &info), 0);
		EXPECT_EQ(info.size, size) << "region " << index;
		EXPECT_EQ(info.offset, region_offset(index)) << "region " << index;
		EXPECT_EQ(info.flags, flags) << "region " << index;
		EXPECT_EQ(info.argsz, 32u) << "region " << index;
		EXPECT_EQ(info.cap_offset, 0u) << "region " << index;
	}
	void expect_irq(unsigned index, uint32_t count, uint32_t flags)
	{
		vfio_irq_info info{};
		info.argsz = sizeof(info);
		info.index = index;
		ASSERT_EQ(ioctl(VFIO_DEVICE_GET_IRQ_INFO, &info), 0);
		EXPECT_EQ(info.count, count) << "irq " << index;
		EXPECT_EQ(info.flags, flags) << "irq " << index;
	}
	void expect_device_info()
	{
		vfio_device_info info{};
		info.argsz = sizeof(info);
		ASSERT_EQ(ioctl(VFIO_DEVICE_GET_INFO, &info), 0);
		EXPECT_EQ(info.flags, 0x2u); /* PCI, no RESET */
		EXPECT_EQ(info.num_regions, 9u);
		EXPECT_EQ(info.num_irqs, 5u);
	}
};

TEST_F(Preset612Test, IvshmemDeviceInfo)
{
	open("ivshmem-plain", ProfileId::Linux612);
	expect_device_info();
}

TEST_F(Preset612Test, IvshmemRegions)
{
	open("ivshmem-plain", ProfileId::Linux612);
	expect_region(0, 0x100, 0x7);
	expect_region(2, 0x100000, 0x7);
	expect_region(7, 0x100, 0x3);
}

TEST_F(Preset612Test, IvshmemIrqs)
{
	open("ivshmem-plain", ProfileId::Linux612);
	expect_irq(VFIO_PCI_INTX_IRQ_INDEX, 0, 0x7);
	expect_irq(VFIO_PCI_MSI_IRQ_INDEX, 0, 0x9);
	expect_irq(VFIO_PCI_REQ_IRQ_INDEX, 1, 0x9);
}

TEST_F(Preset612Test, IvshmemConfigSpace)
{
	open("ivshmem-plain", ProfileId::Linux612);
	EXPECT_EQ(cfg_read<uint16_t>(0x00), 0x1af4);
	EXPECT_EQ(cfg_read<uint16_t>(0x02), 0x1110);
	EXPECT_EQ(cfg_read<uint16_t>(0x04), 0x0103);
	/* BAR2: 64-bit prefetchable memory at 0xfeb00000 */
	EXPECT_EQ(cfg_read<uint32_t>(0x18), 0xfeb0000cu);
	EXPECT_EQ(cfg_read<uint32_t>(0x1c), 0u);
}

/* §8.3: 0x0103 -> 0x0101 -> 0x0103 through 2-byte config writes. */
TEST_F(Preset612Test, IvshmemCommandToggle)
{
	open("ivshmem-plain", ProfileId::Linux612);
	set_memory(false);
	EXPECT_EQ(cfg_read<uint16_t>(0x04), 0x0101);
	set_memory(true);
	EXPECT_EQ(cfg_read<uint16_t>(0x04), 0x0103);
}

TEST_F(Preset612Test, EduDeviceInfo)
{
	open("edu", ProfileId::Linux612);
	expect_device_info();
}

TEST_F(Preset612Test, EduRegions)
{
	open("edu", ProfileId::Linux612);
	expect_region(0, 0x100000, 0x7);
	expect_region(7, 0x100, 0x3);
}

TEST_F(Preset612Test, EduIrqs)
{
	open("edu", ProfileId::Linux612);
	expect_irq(VFIO_PCI_INTX_IRQ_INDEX, 1, 0x7);
	expect_irq(VFIO_PCI_MSI_IRQ_INDEX, 1, 0x9);
	expect_irq(VFIO_PCI_REQ_IRQ_INDEX, 1, 0x9);
}

TEST_F(Preset612Test, EduConfigSpace)
{
	open("edu", ProfileId::Linux612);
	EXPECT_EQ(cfg_read<uint16_t>(0x00), 0x1234);
	EXPECT_EQ(cfg_read<uint16_t>(0x02), 0x11e8);
	EXPECT_EQ(cfg_read<uint16_t>(0x04), 0x0103);
}

TEST_F(Preset612Test, EduIdRegisterThroughMmap)
{
	open("edu", ProfileId::Linux612);
	auto *reg = static_cast<volatile uint32_t *>(map(region_offset(0), 0x100000));
	ASSERT_NE(reg, MAP_FAILED);
	EXPECT_EQ(reg[0] & 0xffff, 0x00edu);
}

} /* namespace */
} /* namespace softvfio::test */
