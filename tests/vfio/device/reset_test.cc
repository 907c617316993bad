/* SPDX-License-Identifier: MIT */
/* VFIO_DEVICE_RESET, FLR through config space, hot-reset info and the
 * hot-reset memory_lock try-lock (§5.9). */
#include <thread>

#include "pci/pci_function.h"
#include "support/sigbus_probe.h"
#include "vfio/device/fixture.h"
#include "vfio/pci/device.h"

namespace softvfio::test {
namespace {

using ResetTest = DeviceTest;

TEST_F(ResetTest, ResetWithoutSupportIsEinval)
{
	open("edu");
	EXPECT_EQ(ioctl(VFIO_DEVICE_RESET, uintptr_t(0)), -EINVAL);
}

TEST_F(ResetTest, NicResetSucceedsAndClearsResettableRam)
{
	open("nic", ProfileId::Linux612);
	uint32_t v = 0xabcd;
	ASSERT_EQ(kernel_.pwrite(fd_, &v, 4, region_offset(0)), 4); /* BAR0 clears on reset */
	ASSERT_EQ(kernel_.pwrite(fd_, &v, 4, region_offset(2)), 4); /* BAR2 keeps its bytes */
	ASSERT_EQ(ioctl(VFIO_DEVICE_RESET, uintptr_t(0)), 0);
	ASSERT_EQ(kernel_.pread(fd_, &v, 4, region_offset(0)), 4);
	EXPECT_EQ(v, 0u);
	ASSERT_EQ(kernel_.pread(fd_, &v, 4, region_offset(2)), 4);
	EXPECT_EQ(v, 0xabcdu);
}

/* The user's memory enable survives the reset (vconfig is kept). */
TEST_F(ResetTest, ResetKeepsMemoryEnabledAndMappingsWork)
{
	open("nic", ProfileId::Linux612);
	auto *w = static_cast<volatile uint32_t *>(map(region_offset(2), 4096));
	ASSERT_NE(w, MAP_FAILED);
	w[0] = 42;
	ASSERT_EQ(ioctl(VFIO_DEVICE_RESET, uintptr_t(0)), 0);
	SigbusProbe probe;
	auto r = probe.read32(w);
	EXPECT_FALSE(r.faulted);
	EXPECT_EQ(r.value, 42u);
	EXPECT_TRUE(kernel_.device_state(bdf_)->memory_enabled);
}

TEST_F(ResetTest, FlrThroughDevctlResetsRegisters)
{
	open("nic", ProfileId::Linux612);
	uint32_t v = 0xabcd;
	ASSERT_EQ(kernel_.pwrite(fd_, &v, 4, region_offset(0)), 4);
	uint16_t exp = cfg_read<uint8_t>(0x34);
	while (exp && cfg_read<uint8_t>(exp) != 0x10)
		exp = cfg_read<uint8_t>(exp + 1);
	ASSERT_NE(exp, 0);
	uint16_t devctl = cfg_read<uint16_t>(exp + 8);
	ASSERT_EQ(cfg_write<uint16_t>(exp + 8, devctl | 0x8000), 2);
	ASSERT_EQ(kernel_.pread(fd_, &v, 4, region_offset(0)), 4);
	EXPECT_EQ(v, 0u);
}

TEST_F(ResetTest, HotResetInfoWithoutBusResetIsEnodev)
{
	open("ivshmem-plain");
	vfio_pci_hot_reset_info info{};
	info.argsz = sizeof(info);
	EXPECT_EQ(ioctl(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &info), -ENODEV);
}

TEST_F(ResetTest, HotResetInfoArgszBelowHeaderIsEinval)
{
	open("nic");
	vfio_pci_hot_reset_info info{};
	info.argsz = 11;
	EXPECT_EQ(ioctl(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &info), -EINVAL);
}

/* Too small for the device list: ENOSPC with the count written back. */
TEST_F(ResetTest, HotResetInfoReportsCountWithEnospc)
{
	open("nic");
	vfio_pci_hot_reset_info info{};
	info.argsz = sizeof(info);
	EXPECT_EQ(ioctl(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &info), -ENOSPC);
	EXPECT_EQ(info.count, 1u);
	alignas(8) uint8_t big[sizeof(vfio_pci_hot_reset_info) + sizeof(vfio_pci_dependent_device)] = {};
	auto *hdr = reinterpret_cast<vfio_pci_hot_reset_info *>(big);
	hdr->argsz = sizeof(big);
	ASSERT_EQ(ioctl(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, big), 0);
	EXPECT_EQ(hdr->count, 1u);
	vfio_pci_dependent_device dev;
	std::memcpy(&dev, big + sizeof(vfio_pci_hot_reset_info), sizeof(dev));
	EXPECT_EQ(dev.group_id, kernel_.device_state(bdf_)->iommu_group);
	EXPECT_EQ(dev.segment, 0x5f00);
}

TEST_F(ResetTest, HotResetWithoutGroupsIsEinval)
{
	open("nic");
	vfio_pci_hot_reset req{};
	req.argsz = sizeof(req);
	EXPECT_EQ(ioctl(VFIO_DEVICE_PCI_HOT_RESET, &req), -EINVAL);
	req.flags = 1;
	req.count = 1;
	EXPECT_EQ(ioctl(VFIO_DEVICE_PCI_HOT_RESET, &req), -EINVAL);
}

/* §6 item 8: hot reset try-locks every member's memory_lock. */
TEST(DeviceSetTest, HotResetWithContendedMemoryLockIsEbusy)
{
	auto desc = preset("nic");
	ASSERT_TRUE(desc);
	auto fn = pci::PciFunction::create(*desc, 0x1000000000);
	ASSERT_TRUE(fn);
	auto set = std::make_shared<vfio::DeviceSet>();
	vfio::DeviceSetup setup;
	setup.bdf = "5f00:00:01.0";
	setup.profile = &profile(ProfileId::SeriesV4);
	setup.dev_set = set;
	auto dev = vfio::VfioPciDevice::create(std::move(*fn), setup);
	ASSERT_TRUE(dev);
	set->add(*dev);
	std::shared_lock reader((*dev)->memory_lock());
	EXPECT_EQ(set->hot_reset().error(), EBUSY);
	reader.unlock();
	EXPECT_TRUE(set->hot_reset());
}

} /* namespace */
} /* namespace softvfio::test */
