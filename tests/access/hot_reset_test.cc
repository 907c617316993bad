/* SPDX-License-Identifier: MIT */
/*
 * Hot reset through the access paths: group-opened devices name the
 * groups of every affected device; cdev-opened ones pass an empty array
 * and must own every affected device through their iommufd. Info reports
 * device ids (DEV_ID, DEV_ID_OWNED) to cdev-opened devices.
 */
#include "access/access_fixture.h"

namespace softvfio::test {
namespace {

/* Two nics on one bus: one reset affects both. */
const char *const kNicA = "0000:05:00.0";
const char *const kNicB = "0000:05:01.0";

class HotReset : public AccessTest
{
protected:
	void SetUp() override
	{
		add("nic", kNicA, 7);
		add("nic", kNicB, 8);
	}
	long reset(int dev, std::vector<int32_t> groups)
	{
		std::vector<uint8_t> buf(sizeof(vfio_pci_hot_reset) + groups.size() * sizeof(int32_t));
		vfio_pci_hot_reset hdr{};
		hdr.argsz = static_cast<uint32_t>(buf.size());
		hdr.count = static_cast<uint32_t>(groups.size());
		std::memcpy(buf.data(), &hdr, sizeof(hdr));
		if (!groups.empty())   /* memcpy from an empty vector's null data() is UB */
			std::memcpy(buf.data() + sizeof(hdr), groups.data(), groups.size() * sizeof(int32_t));
		return ioctl(dev, VFIO_DEVICE_PCI_HOT_RESET, buf.data());
	}
	struct Info {
		long ret;
		uint32_t flags;
		std::vector<vfio_pci_dependent_device> devices;
	};
	Info info(int dev)
	{
		std::vector<uint8_t> buf(sizeof(vfio_pci_hot_reset_info) + 8 * sizeof(vfio_pci_dependent_device));
		vfio_pci_hot_reset_info hdr{};
		hdr.argsz = static_cast<uint32_t>(buf.size());
		std::memcpy(buf.data(), &hdr, sizeof(hdr));
		Info out;
		out.ret = ioctl(dev, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, buf.data());
		std::memcpy(&hdr, buf.data(), sizeof(hdr));
		out.flags = hdr.flags;
		out.devices.resize(hdr.count);
		if (hdr.count)
			std::memcpy(out.devices.data(), buf.data() + sizeof(hdr),
				    hdr.count * sizeof(vfio_pci_dependent_device));
		return out;
	}
	int cdev(const char *node, int iommufd)
	{
		int dev = must_open(node);
		vfio_device_bind_iommufd b{};
		b.argsz = sizeof(b);
		b.iommufd = iommufd;
		EXPECT_EQ(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b), 0);
		return dev;
	}
};

TEST_F(HotReset, GroupPathWithEveryGroup)
{
	auto a = type1(kNicA, 7);
	int gb = must_open("/dev/vfio/8");
	ASSERT_EQ(ioctl(gb, VFIO_GROUP_SET_CONTAINER, &a.container), 0);
	EXPECT_EQ(reset(a.device, {a.group, gb}), 0);
}

TEST_F(HotReset, GroupPathMissingGroupIsEperm)
{
	auto a = type1(kNicA, 7);
	EXPECT_EQ(reset(a.device, {a.group}), -EPERM);
}

TEST_F(HotReset, GroupPathRows)
{
	auto a = type1(kNicA, 7);
	EXPECT_EQ(reset(a.device, {}), -EINVAL);
	EXPECT_EQ(reset(a.device, {a.group, a.group, a.group}), -EINVAL);
	EXPECT_EQ(reset(a.device, {a.container}), -EINVAL);
	EXPECT_EQ(reset(a.device, {999}), -EBADF);
}

TEST_F(HotReset, GroupPathInfoHasGroupIds)
{
	auto a = type1(kNicA, 7);
	Info i = info(a.device);
	ASSERT_EQ(i.ret, 0);
	EXPECT_EQ(i.flags, 0u);
	ASSERT_EQ(i.devices.size(), 2u);
	EXPECT_EQ(i.devices[0].group_id, 7u);
	EXPECT_EQ(i.devices[1].group_id, 8u);
}

TEST_F(HotReset, CdevInfoHasDeviceIds)
{
	int iommufd = must_open("/dev/iommu");
	int a = cdev("/dev/vfio/devices/vfio0", iommufd);
	cdev("/dev/vfio/devices/vfio1", iommufd);
	Info i = info(a);
	ASSERT_EQ(i.ret, 0);
	EXPECT_EQ(i.flags, uint32_t(VFIO_PCI_HOT_RESET_FLAG_DEV_ID | VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED));
	ASSERT_EQ(i.devices.size(), 2u);
	EXPECT_EQ(i.devices[0].devid, 1u);
	EXPECT_EQ(i.devices[1].devid, 2u);
}

/* A device the caller's iommufd does not own: NOT_OWNED, and the OWNED
 * flag goes. */
TEST_F(HotReset, CdevInfoNotOwned)
{
	int iommufd = must_open("/dev/iommu");
	int a = cdev("/dev/vfio/devices/vfio0", iommufd);
	Info i = info(a);
	ASSERT_EQ(i.ret, 0);
	EXPECT_EQ(i.flags, uint32_t(VFIO_PCI_HOT_RESET_FLAG_DEV_ID));
	EXPECT_EQ(i.devices[1].devid, uint32_t(VFIO_PCI_DEVID_NOT_OWNED));
}

TEST_F(HotReset, CdevEmptyArray)
{
	int iommufd = must_open("/dev/iommu");
	int a = cdev("/dev/vfio/devices/vfio0", iommufd);
	EXPECT_EQ(reset(a, {}), -EPERM);
	cdev("/dev/vfio/devices/vfio1", iommufd);
	EXPECT_EQ(reset(a, {}), 0);
}

/* A cdev-opened device may not name groups. */
TEST_F(HotReset, CdevWithArrayIsEinval)
{
	int iommufd = must_open("/dev/iommu");
	int a = cdev("/dev/vfio/devices/vfio0", iommufd);
	EXPECT_EQ(reset(a, {iommufd}), -EINVAL);
}

} /* namespace */
} /* namespace softvfio::test */
