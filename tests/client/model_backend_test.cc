/* SPDX-License-Identifier: MIT */
/*
 * The client library on kernel configurations the scenario suite does not
 * run under (one configuration per `softvfio run`): which way in Auto
 * takes, forced paths that do not exist, no-IOMMU groups, unbound
 * devices. In-process only (client::ModelBackend).
 */
#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

#include <softvfio/client/client.h>
#include <softvfio/client/model_backend.h>
#include <softvfio/device_description.h>

namespace softvfio::test {
namespace {

using namespace softvfio::client;

class ClientModel : public ::testing::Test
{
protected:
	void with(AccessPaths access)
	{
		KernelOptions options;
		options.access = access;
		backend_ = ModelBackend::create(options);
		auto desc = preset("nic");
		ASSERT_TRUE(desc);
		auto bdf = backend_->kernel().add_device(*desc);
		ASSERT_TRUE(bdf);
		bdf_ = *bdf;
	}

	std::shared_ptr<ModelBackend> backend_;
	std::string bdf_;
};

TEST_F(ClientModel, BackendIsNamedModel)
{
	with({});
	EXPECT_STREQ(backend_->name(), "model");
}

TEST_F(ClientModel, AutoTakesTheGroupWithoutCdevs)
{
	with({.group = true, .noiommu = false, .cdev = false, .iommufd = false});
	auto dev = Device::open(backend_, bdf_);
	ASSERT_TRUE(dev) << dev.error().message();
	EXPECT_EQ(dev->access_path(), AccessPath::Group);
}

TEST_F(ClientModel, ForcedCdevWithoutCdevsIsENOENT)
{
	with({.group = true, .noiommu = false, .cdev = false, .iommufd = false});
	auto dev = Device::open(backend_, bdf_, {AccessPath::Cdev});
	ASSERT_FALSE(dev);
	EXPECT_EQ(dev.code(), ENOENT);
}

TEST_F(ClientModel, ForcedGroupWithoutGroupsIsENOENT)
{
	with({.group = false, .noiommu = false, .cdev = true, .iommufd = true});
	auto dev = Device::open(backend_, bdf_, {AccessPath::Group});
	ASSERT_FALSE(dev);
	EXPECT_EQ(dev.code(), ENOENT);
	auto cdev = Device::open(backend_, bdf_);
	ASSERT_TRUE(cdev) << cdev.error().message();
	EXPECT_EQ(cdev->access_path(), AccessPath::Cdev);
}

TEST_F(ClientModel, NoiommuGroupGetsANoiommuContainer)
{
	with({.group = true, .noiommu = true, .cdev = false, .iommufd = false});
	auto dev = Device::open(backend_, bdf_);
	ASSERT_TRUE(dev) << dev.error().message();
	EXPECT_EQ(dev->access_path(), AccessPath::Group);
	EXPECT_TRUE(dev->noiommu());
	auto vendor = dev->read_config<uint16_t>(0);
	ASSERT_TRUE(vendor);
	EXPECT_EQ(*vendor, 0x5356);
}

TEST_F(ClientModel, NoiommuDeviceHasNoDmaMappings)
{
	with({.group = true, .noiommu = true, .cdev = false, .iommufd = false});
	auto dev = Device::open(backend_, bdf_);
	ASSERT_TRUE(dev) << dev.error().message();
	alignas(4096) static uint8_t page[4096];
	auto map = dev->map_dma(page, sizeof(page), 0x100000);
	ASSERT_FALSE(map);
	EXPECT_EQ(map.error().code, ENODEV);
}

TEST_F(ClientModel, UnboundDeviceIsENODEV)
{
	with({});
	std::string path = "/sys/bus/pci/drivers/vfio-pci/unbind";
	ASSERT_EQ(backend_->kernel().sysfs_write(path, bdf_.data(), bdf_.size()), static_cast<long>(bdf_.size()));
	auto dev = Device::open(backend_, bdf_);
	ASSERT_FALSE(dev);
	EXPECT_EQ(dev.code(), ENODEV);
	auto list = list_vfio_devices(*backend_);
	ASSERT_TRUE(list);
	EXPECT_TRUE(list->empty());
}

TEST_F(ClientModel, DeviceWithoutDmabufSupportFallsBackToTheDeviceFd)
{
	KernelOptions options;
	backend_ = ModelBackend::create(options);
	DeviceOptions dev_options;
	dev_options.dmabuf_support = false;
	auto bdf = backend_->kernel().add_device(*preset("nic"), dev_options);
	ASSERT_TRUE(bdf);
	auto dev = Device::open(backend_, *bdf);
	ASSERT_TRUE(dev);
	EXPECT_FALSE(dev->features().dma_buf);
	auto map = dev->map_bar_wc(2, 0, 4096);
	ASSERT_TRUE(map) << map.error().message();
	EXPECT_EQ(map->kind(), MappingKind::DeviceFd);
	BarRange range{0, 4096};
	EXPECT_EQ(dev->export_dma_buf(2, std::span<const BarRange>(&range, 1)).code(), EOPNOTSUPP);
}

TEST_F(ClientModel, WriteCombiningWindowWhileMemoryIsOffIsENODEV)
{
	with({});
	auto dev = Device::open(backend_, bdf_);
	ASSERT_TRUE(dev);
	ASSERT_TRUE(dev->set_memory_enable(false));
	auto map = dev->map_bar_wc(2, 0, 4096);
	ASSERT_TRUE(dev->set_memory_enable(true));
	ASSERT_FALSE(map);
	EXPECT_EQ(map.code(), ENODEV);
}

} /* namespace */
} /* namespace softvfio::test */
