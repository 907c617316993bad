/* SPDX-License-Identifier: MIT */
/*
 * The client library against a scripted backend: the parts no software
 * device exercises (a sparse-mmap capability behind the argsz growth
 * protocol, a capability chain that loops), the exact order of the group
 * open sequence, and Auto's fallback from a failing cdev to the group.
 */
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <softvfio/client/client.h>
#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

namespace softvfio::test {
namespace {

using namespace softvfio::client;

constexpr int kContainer = 100, kGroup = 101, kDevice = 102, kCdev = 103, kIommufd = 104;

class FakeBackend : public Backend
{
public:
	const char *name() const override { return "fake"; }
	long open(const std::string &path, int) override
	{
		calls.push_back("open " + path);
		return handed_out(open_node(path));
	}
	long close(int fd) override
	{
		calls.push_back("close " + std::to_string(fd));
		auto it = std::find(live.begin(), live.end(), fd);
		if (it == live.end()) {
			bad_closes++;
			return -EBADF;
		}
		live.erase(it);
		return 0;
	}
	long dup(int) override { return -EMFILE; }
	long ioctl(int fd, unsigned long cmd, uintptr_t arg) override
	{
		calls.push_back("ioctl " + std::to_string(fd) + " " + std::to_string(cmd & 0xff));
		void *p = reinterpret_cast<void *>(arg);
		switch (cmd) {
		case VFIO_GROUP_GET_STATUS:
			static_cast<vfio_group_status *>(p)->flags = VFIO_GROUP_FLAGS_VIABLE;
			return 0;
		case VFIO_CHECK_EXTENSION:
			return arg == VFIO_TYPE1v2_IOMMU ? 1 : 0;
		case VFIO_GROUP_SET_CONTAINER:
		case VFIO_SET_IOMMU:
			return 0;
		case VFIO_GROUP_GET_DEVICE_FD:
			return handed_out(std::string(static_cast<const char *>(p)) == "0000:01:00.0" ? kDevice : -ENODEV);
		case VFIO_DEVICE_BIND_IOMMUFD:
			return bind;
		case IOMMU_IOAS_ALLOC:
			static_cast<iommu_ioas_alloc *>(p)->out_ioas_id = 1;
			return 0;
		case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
			return 0;
		case VFIO_DEVICE_FEATURE:
			return -ENOTTY;
		case VFIO_DEVICE_GET_REGION_INFO:
			return region_info(static_cast<uint8_t *>(p));
		default:
			return -ENOTTY;
		}
	}
	long pread(int, void *, size_t, uint64_t) override { return -EIO; }
	long pwrite(int, const void *, size_t, uint64_t) override { return -EIO; }
	long lseek(int, off_t, int) override { return -ESPIPE; }
	long mmap(void *, size_t, int, int, int, uint64_t) override { return -ENODEV; }
	long munmap(void *, size_t) override { return 0; }
	long mremap(void *, size_t, size_t, int, void *) override { return -EFAULT; }
	Result<std::string> read_text(const std::string &path) override { return fail(ENOENT, path); }
	Result<std::string> readlink(const std::string &path) override
	{
		if (path == "/sys/bus/pci/devices/0000:01:00.0/driver")
			return std::string("../../../bus/pci/drivers/vfio-pci");
		if (path == "/sys/bus/pci/devices/0000:01:00.0/iommu_group")
			return std::string("../../../kernel/iommu_groups/7");
		return fail(ENOENT, path);
	}
	Result<std::vector<std::string>> list_dir(const std::string &path) override
	{
		if (cdev && path == "/sys/bus/pci/devices/0000:01:00.0/vfio-dev")
			return std::vector<std::string>{cdev_node};
		return fail(ENOENT, path);
	}
	bool exists(const std::string &path) override
	{
		return path == "/sys/bus/pci/devices/0000:01:00.0" || path == "/dev/vfio/7" ||
		       (cdev && path == "/dev/iommu");
	}

	/* Region 3: two sparse areas, the chain needing 80 bytes. Region 4:
	 * a capability whose next points at itself. */
	long region_info(uint8_t *buf)
	{
		vfio_region_info info;
		std::memcpy(&info, buf, sizeof(info));
		const uint32_t need = 32 + 16 + 2 * 16;
		uint32_t given = info.argsz;
		info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS;
		info.size = 0x10000;
		info.offset = uint64_t(info.index) << 40;
		info.argsz = need;
		info.cap_offset = 0;
		if (given >= need) {
			info.cap_offset = 32;
			vfio_info_cap_header hdr{VFIO_REGION_INFO_CAP_SPARSE_MMAP, 1, info.index == 4 ? 32u : 0u};
			std::memcpy(buf + 32, &hdr, sizeof(hdr));
			uint32_t nr = 2;
			std::memcpy(buf + 40, &nr, sizeof(nr));
			vfio_region_sparse_mmap_area areas[2] = {{0, 0x1000}, {0x8000, 0x8000}};
			std::memcpy(buf + 48, areas, sizeof(areas));
		}
		std::memcpy(buf, &info, sizeof(info));
		grows++;
		return 0;
	}

	/* The cdev way in (vfio3 and /dev/iommu): off unless a test turns it
	 * on, with what BIND_IOMMUFD answers; what opening the group answers. */
	bool cdev = false;
	std::string cdev_node = "vfio3";
	long bind = 0;
	long group_open = kGroup;

	std::vector<std::string> calls;
	int grows = 0;
	/* The fds handed out and not yet closed. */
	std::vector<int> live;
	int bad_closes = 0;

private:
	long open_node(const std::string &path) const
	{
		if (cdev && path == "/dev/vfio/devices/" + cdev_node)
			return kCdev;
		if (cdev && path == "/dev/iommu")
			return kIommufd;
		return path == "/dev/vfio/vfio" ? kContainer : path == "/dev/vfio/7" ? group_open : -ENOENT;
	}
	long handed_out(long fd)
	{
		if (fd >= 0)
			live.push_back(static_cast<int>(fd));
		return fd;
	}
};

/* Every fd the backend handed out has been closed exactly once. */
void expect_all_closed(const FakeBackend &fake)
{
	EXPECT_EQ(fake.live, std::vector<int>{});
	EXPECT_EQ(fake.bad_closes, 0);
}

TEST(ClientFakeBackend, GroupOpenSequenceIsTheKernelsOrder)
{
	auto fake = std::make_shared<FakeBackend>();
	{
		auto dev = Device::open(fake, "0000:01:00.0");
		ASSERT_TRUE(dev) << dev.error().message();
		EXPECT_EQ(dev->access_path(), AccessPath::Group);
		EXPECT_EQ(dev->fd(), kDevice);
		std::vector<std::string> expected = {
			"open /dev/vfio/vfio", "open /dev/vfio/7", "ioctl 101 103" /* GET_STATUS */,
			"ioctl 101 104" /* SET_CONTAINER */, "ioctl 100 101" /* CHECK_EXTENSION */,
			"ioctl 100 102" /* SET_IOMMU */, "ioctl 101 106" /* GET_DEVICE_FD */};
		ASSERT_GE(fake->calls.size(), expected.size());
		EXPECT_EQ(std::vector<std::string>(fake->calls.begin(), fake->calls.begin() + 7), expected);
		EXPECT_FALSE(dev->features().dma_buf);
		fake->calls.clear();
	}
	/* Device first, then the group, then the container. */
	EXPECT_EQ(fake->calls, (std::vector<std::string>{"close 102", "close 101", "close 100"}));
}

TEST(ClientFakeBackend, RegionInfoGrowsArgszAndDecodesSparseAreas)
{
	auto fake = std::make_shared<FakeBackend>();
	auto dev = Device::open(fake, "0000:01:00.0");
	ASSERT_TRUE(dev);
	fake->grows = 0;
	auto r = dev->region(3);
	ASSERT_TRUE(r) << r.error().message();
	EXPECT_EQ(fake->grows, 2);
	ASSERT_EQ(r->sparse_areas.size(), 2u);
	EXPECT_EQ(r->sparse_areas[1].offset, 0x8000u);
	EXPECT_EQ(r->sparse_areas[1].size, 0x8000u);
	EXPECT_EQ(r->offset, 3ull << 40);
}

TEST(ClientFakeBackend, CapabilityChainCyclesAreCut)
{
	auto fake = std::make_shared<FakeBackend>();
	auto dev = Device::open(fake, "0000:01:00.0");
	ASSERT_TRUE(dev);
	auto r = dev->region(4);
	ASSERT_TRUE(r);
	EXPECT_EQ(r->sparse_areas.size(), 2u);
}

/* A cdev this process cannot bind (EPERM: no interrupt remapping, say):
 * Auto closes the cdev and /dev/iommu, then opens the group. */
TEST(ClientFakeBackend, AutoFallsBackToTheGroupWhenTheCdevFails)
{
	auto fake = std::make_shared<FakeBackend>();
	fake->cdev = true;
	fake->bind = -EPERM;
	{
		auto dev = Device::open(fake, "0000:01:00.0");
		ASSERT_TRUE(dev) << dev.error().message();
		EXPECT_EQ(dev->access_path(), AccessPath::Group);
		EXPECT_EQ(dev->fd(), kDevice);
		std::vector<std::string> expected = {
			"open /dev/vfio/devices/vfio3", "open /dev/iommu", "ioctl 103 118" /* BIND_IOMMUFD */,
			"close 103", "close 104", "open /dev/vfio/vfio", "open /dev/vfio/7"};
		ASSERT_GE(fake->calls.size(), expected.size());
		EXPECT_EQ(std::vector<std::string>(fake->calls.begin(), fake->calls.begin() + 7), expected);
	}
	expect_all_closed(*fake);
}

/* The same device with a bindable cdev: Auto takes it, no group opened. */
TEST(ClientFakeBackend, AutoTakesAWorkingCdev)
{
	auto fake = std::make_shared<FakeBackend>();
	fake->cdev = true;
	{
		auto dev = Device::open(fake, "0000:01:00.0");
		ASSERT_TRUE(dev) << dev.error().message();
		EXPECT_EQ(dev->access_path(), AccessPath::Cdev);
		EXPECT_EQ(dev->fd(), kCdev);
	}
	EXPECT_EQ(std::count(fake->calls.begin(), fake->calls.end(), "open /dev/vfio/7"), 0);
	expect_all_closed(*fake);
}

/* Both ways fail: the error is the cdev's (the way Auto preferred), and
 * its text names the group's failure too; nothing stays open. */
TEST(ClientFakeBackend, AutoWithBothWaysFailingReportsTheCdevError)
{
	auto fake = std::make_shared<FakeBackend>();
	fake->cdev = true;
	fake->bind = -EPERM;
	fake->group_open = -EBUSY;
	auto dev = Device::open(fake, "0000:01:00.0");
	ASSERT_FALSE(dev);
	EXPECT_EQ(dev.code(), EPERM);
	const std::string message = dev.error().message();
	EXPECT_NE(message.find("VFIO_DEVICE_BIND_IOMMUFD"), std::string::npos) << message;
	EXPECT_NE(message.find("open /dev/vfio/7"), std::string::npos) << message;
	EXPECT_NE(message.find("EBUSY"), std::string::npos) << message;
	expect_all_closed(*fake);
}

/* A no-IOMMU cdev is bound and used as it is: no IOAS, but still the
 * cdev way in. */
TEST(ClientFakeBackend, NoiommuCdevIsTheCdevPath)
{
	auto fake = std::make_shared<FakeBackend>();
	fake->cdev = true;
	fake->cdev_node = "noiommu-vfio3";
	auto dev = Device::open(fake, "0000:01:00.0");
	ASSERT_TRUE(dev) << dev.error().message();
	EXPECT_EQ(dev->access_path(), AccessPath::Cdev);
	EXPECT_TRUE(dev->noiommu());
	EXPECT_EQ(dev->fd(), kCdev);
}

/* A forced cdev never falls back. */
TEST(ClientFakeBackend, ForcedCdevFailureIsItsOwnErrno)
{
	auto fake = std::make_shared<FakeBackend>();
	fake->cdev = true;
	fake->bind = -EPERM;
	auto dev = Device::open(fake, "0000:01:00.0", {AccessPath::Cdev});
	ASSERT_FALSE(dev);
	EXPECT_EQ(dev.code(), EPERM);
	EXPECT_EQ(std::count(fake->calls.begin(), fake->calls.end(), "open /dev/vfio/vfio"), 0);
	expect_all_closed(*fake);
}

TEST(ClientFakeBackend, NotBoundToVfioPciIsENODEV)
{
	class Unbound : public FakeBackend
	{
	public:
		Result<std::string> readlink(const std::string &path) override { return fail(ENOENT, path); }
	};
	auto dev = Device::open(std::make_shared<Unbound>(), "0000:01:00.0");
	ASSERT_FALSE(dev);
	EXPECT_EQ(dev.code(), ENODEV);
}

} /* namespace */
} /* namespace softvfio::test */
