/* SPDX-License-Identifier: MIT */
/* Scenarios: finding and opening the device, information, config space. */
#include <cerrno>

#include <softvfio/uapi/vfio.h>

#include "client/scenario_fixture.h"

namespace softvfio::test {
namespace {

using namespace softvfio::client;

TEST_F(ClientScenario, ListsTheDeviceBoundToVfioPci)
{
	auto devices = list_vfio_devices(*backend_);
	ASSERT_TRUE(devices);
	EXPECT_NE(std::find(devices->begin(), devices->end(), bdf_), devices->end());
}

TEST_F(ClientScenario, AutoPrefersCdevAndIommufd)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	EXPECT_EQ(dev->access_path(), AccessPath::Cdev);
	EXPECT_FALSE(dev->noiommu());
	EXPECT_EQ(dev->bdf(), bdf_);
}

TEST_F(ClientScenario, GroupPathCanBeForced)
{
	Device *dev = open({AccessPath::Group});
	ASSERT_NE(dev, nullptr);
	EXPECT_EQ(dev->access_path(), AccessPath::Group);
	EXPECT_FALSE(dev->noiommu());
}

TEST_F(ClientScenario, GroupIsExclusiveWhileOpen)
{
	ASSERT_NE(open({AccessPath::Group}), nullptr);
	auto second = Device::open(backend_, bdf_, {AccessPath::Group});
	ASSERT_FALSE(second);
	EXPECT_EQ(second.code(), EBUSY);
}

TEST_F(ClientScenario, UnknownDeviceIsENOENT)
{
	auto dev = Device::open(backend_, "5f00:1f:1f.7");
	ASSERT_FALSE(dev);
	EXPECT_EQ(dev.code(), ENOENT);
	EXPECT_NE(dev.error().message().find("5f00:1f:1f.7"), std::string::npos);
}

TEST_F(ClientScenario, InfoDescribesAPciDevice)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto info = dev->info();
	ASSERT_TRUE(info) << info.error().message();
	EXPECT_TRUE(info->flags & VFIO_DEVICE_FLAGS_PCI);
	EXPECT_TRUE(info->resettable());
	EXPECT_GE(info->num_regions, 9u);
	EXPECT_EQ(info->num_irqs, 5u);
}

TEST_F(ClientScenario, BarRegionsReportSizeOffsetAndMmap)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto bar2 = dev->region(2);
	ASSERT_TRUE(bar2) << bar2.error().message();
	EXPECT_EQ(bar2->size, kNicBar2Size);
	EXPECT_EQ(bar2->offset, 2ull << 40);
	EXPECT_TRUE(bar2->mappable());
	EXPECT_FALSE(bar2->msix_mappable);
	auto bar1 = dev->region(1);
	ASSERT_TRUE(bar1);
	EXPECT_EQ(bar1->size, 0u);
	EXPECT_EQ(bar1->flags, 0u);
}

TEST_F(ClientScenario, MsixBarCarriesTheMsixMappableCapability)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto bar4 = dev->region(4);
	ASSERT_TRUE(bar4);
	EXPECT_TRUE(bar4->msix_mappable);
	EXPECT_TRUE(bar4->sparse_areas.empty());
}

TEST_F(ClientScenario, RomIsReadOnlyAndNotMappable)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto rom = dev->region(kRomRegion);
	ASSERT_TRUE(rom);
	EXPECT_TRUE(rom->readable());
	EXPECT_FALSE(rom->writable());
	EXPECT_FALSE(rom->mappable());
}

TEST_F(ClientScenario, RegionBeyondTheLastIsEINVAL)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto r = dev->region(200);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.code(), EINVAL);
}

TEST_F(ClientScenario, ConfigSpaceShowsTheVendor)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto vendor = dev->read_config<uint16_t>(0);
	ASSERT_TRUE(vendor) << vendor.error().message();
	EXPECT_EQ(*vendor, kNicVendor);
}

TEST_F(ClientScenario, FindsThePowerManagementCapability)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto pm = dev->find_capability(0x01);
	ASSERT_TRUE(pm) << pm.error().message();
	EXPECT_GE(*pm, 0x40);
	auto none = dev->find_capability(0x7f);
	ASSERT_FALSE(none);
	EXPECT_EQ(none.code(), ENOENT);
}

TEST_F(ClientScenario, BarReadFailsWithEIOWhileMemoryIsDisabled)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	ASSERT_TRUE(dev->set_memory_enable(false));
	uint32_t v = 0;
	auto r = dev->read_region(0, 0, &v, sizeof(v));
	ASSERT_TRUE(dev->set_memory_enable(true));
	ASSERT_FALSE(r);
	EXPECT_EQ(r.code(), EIO);
	EXPECT_TRUE(dev->read_region(0, 0, &v, sizeof(v)));
}

TEST_F(ClientScenario, FeaturesFollowTheProfile)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	const Features &f = dev->features();
	EXPECT_EQ(f.dma_buf, has_dma_buf());
	EXPECT_EQ(f.dma_buf_mmap, has_dma_buf_mmap());
	EXPECT_TRUE(f.low_power);
	switch (profile()) {
	case ProfileId::SeriesV4:
		EXPECT_EQ(f.revoke, Features::Revoke::Feature13);
		EXPECT_EQ(f.memattr, Features::Memattr::Feature14);
		break;
	case ProfileId::SeriesV2:
		EXPECT_EQ(f.revoke, Features::Revoke::Ioctl122);
		EXPECT_EQ(f.memattr, Features::Memattr::Feature13);
		break;
	default:
		EXPECT_EQ(f.revoke, Features::Revoke::None);
		EXPECT_EQ(f.memattr, Features::Memattr::None);
	}
}

TEST_F(ClientScenario, UnknownFeatureProbesAsUnsupported)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto r = dev->probe_feature(0x7ff, kFeatureGet);
	ASSERT_TRUE(r);
	EXPECT_FALSE(*r);
}

/* The named constants probe what Features recorded at open. */
TEST_F(ClientScenario, NamedFeatureConstantsProbeWhatFeaturesSays)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	EXPECT_EQ(dev->probe_feature(kFeatureDmaBuf, kFeatureGet).value_or(false), dev->features().dma_buf);
	EXPECT_EQ(dev->probe_feature(kFeatureLowPowerEntry, kFeatureSet).value_or(false), dev->features().low_power);
}

TEST_F(ClientScenario, ResetSucceedsOnAResettableDevice)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto r = dev->reset();
	EXPECT_TRUE(r) << r.error().message();
	/* A reset may leave memory decode off; the next test wants it on. */
	EXPECT_TRUE(dev->set_memory_enable(true));
}

} /* namespace */
} /* namespace softvfio::test */
