/* SPDX-License-Identifier: MIT */
/*
 * /dev/vfio/devices/vfio<N>: nothing before VFIO_DEVICE_BIND_IOMMUFD, the
 * bind rows, exclusion against the group path, ATTACH/DETACH_IOMMUFD_PT,
 * and edu's DMA through an IOAS.
 */
#include <numeric>

#include "access/access_fixture.h"

namespace softvfio::test {
namespace {

/* ivshmem is vfio0, edu vfio1. */
const char *const kEduCdev = "/dev/vfio/devices/vfio1";

class Cdev : public AccessTest
{
protected:
	void SetUp() override { add_guest_devices(profile()); }
	virtual ProfileId profile() const { return ProfileId::SeriesV4; }

	long bind(int dev, int iommufd, uint32_t *devid = nullptr)
	{
		vfio_device_bind_iommufd b{};
		b.argsz = sizeof(b);
		b.iommufd = iommufd;
		long r = ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b);
		if (devid)
			*devid = b.out_devid;
		return r;
	}
	uint32_t ioas_alloc(int iommufd)
	{
		iommu_ioas_alloc a{};
		a.size = sizeof(a);
		EXPECT_EQ(ioctl(iommufd, IOMMU_IOAS_ALLOC, &a), 0);
		return a.out_ioas_id;
	}
	long attach(int dev, uint32_t &pt_id)
	{
		vfio_device_attach_iommufd_pt a{};
		a.argsz = sizeof(a);
		a.pt_id = pt_id;
		long r = ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);
		pt_id = a.pt_id;
		return r;
	}
	long detach(int dev)
	{
		vfio_device_detach_iommufd_pt d{};
		d.argsz = sizeof(d);
		return ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
	}
	long ioas_map(int iommufd, uint32_t ioas, const void *va, uint64_t len, uint64_t iova)
	{
		iommu_ioas_map m{};
		m.size = sizeof(m);
		m.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
		m.ioas_id = ioas;
		m.user_va = reinterpret_cast<uintptr_t>(va);
		m.length = len;
		m.iova = iova;
		return ioctl(iommufd, IOMMU_IOAS_MAP, &m);
	}
	/* The usual start: the edu cdev bound to a new iommufd and attached to
	 * a fresh IOAS (through its automatic HWPT, pt). */
	struct Attached {
		int dev = -1;
		int iommufd = -1;
		uint32_t devid = 0;
		uint32_t ioas = 0;
		uint32_t pt = 0;
	};
	void attach_edu(Attached &a)
	{
		a.dev = must_open(kEduCdev);
		a.iommufd = must_open("/dev/iommu");
		ASSERT_EQ(bind(a.dev, a.iommufd, &a.devid), 0);
		a.ioas = ioas_alloc(a.iommufd);
		a.pt = a.ioas;
		ASSERT_EQ(attach(a.dev, a.pt), 0);
	}
};

TEST_F(Cdev, DeviceIoctlsBeforeBindAreEinval)
{
	int dev = must_open(kEduCdev);
	vfio_device_info di{};
	di.argsz = sizeof(di);
	EXPECT_EQ(ioctl(dev, VFIO_DEVICE_GET_INFO, &di), -EINVAL);
	EXPECT_EQ(ioctl(dev, VFIO_DEVICE_RESET, uintptr_t(0)), -EINVAL);
	uint32_t pt = 1;
	EXPECT_EQ(attach(dev, pt), -EINVAL);
	EXPECT_EQ(detach(dev), -EINVAL);
	EXPECT_EQ(ioctl(dev, 0x3B99u, uintptr_t(0)), -EINVAL);
}

TEST_F(Cdev, ReadWriteMmapBeforeBindAreEinval)
{
	int dev = must_open(kEduCdev);
	uint32_t v;
	EXPECT_EQ(kernel_->pread(dev, &v, 4, static_cast<off_t>(kConfigRegion)), -EINVAL);
	EXPECT_EQ(kernel_->pwrite(dev, &v, 4, static_cast<off_t>(kConfigRegion)), -EINVAL);
	EXPECT_EQ(kernel_->mmap(nullptr, 4096, PROT_READ, MAP_SHARED, dev, 0), -EINVAL);
}

TEST_F(Cdev, BindOpensDeviceAndGivesDevid)
{
	int dev = must_open(kEduCdev);
	int iommufd = must_open("/dev/iommu");
	EXPECT_EQ(kernel_->device_state(kEdu)->open_count, 0u);
	uint32_t devid = 0;
	ASSERT_EQ(bind(dev, iommufd, &devid), 0);
	EXPECT_EQ(devid, 1u);
	EXPECT_EQ(kernel_->device_state(kEdu)->open_count, 1u);
	vfio_device_info di{};
	di.argsz = sizeof(di);
	EXPECT_EQ(ioctl(dev, VFIO_DEVICE_GET_INFO, &di), 0);
}

TEST_F(Cdev, SecondBindIsEinval)
{
	int dev = must_open(kEduCdev);
	int iommufd = must_open("/dev/iommu");
	ASSERT_EQ(bind(dev, iommufd), 0);
	EXPECT_EQ(bind(dev, iommufd), -EINVAL);
}

TEST_F(Cdev, BindBadIommufd)
{
	int dev = must_open(kEduCdev);
	int container = must_open("/dev/vfio/vfio");
	EXPECT_EQ(bind(dev, 999), -EBADF);
	EXPECT_EQ(bind(dev, container), -EBADFD);
	EXPECT_EQ(bind(dev, -1), -EINVAL);
}

TEST_F(Cdev, BindArgumentRows)
{
	int dev = must_open(kEduCdev);
	int iommufd = must_open("/dev/iommu");
	struct {
		vfio_device_bind_iommufd b;
		uint64_t extra;
	} big{};
	big.b.argsz = 15;
	big.b.iommufd = iommufd;
	EXPECT_EQ(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &big), -EINVAL);
	big.b.argsz = sizeof(big);
	big.extra = 1;
	EXPECT_EQ(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &big), -E2BIG);
	big.extra = 0;
	big.b.flags = 1u << 1;
	EXPECT_EQ(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &big), -EINVAL);
	EXPECT_EQ(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, uintptr_t(8)), -EFAULT);
	big.b.flags = 0;
	EXPECT_EQ(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &big), 0);
}

/* A token for a device that takes none. */
TEST_F(Cdev, BindTokenIsEinval)
{
	int dev = must_open(kEduCdev);
	int iommufd = must_open("/dev/iommu");
	uint8_t uuid[16] = {1, 2, 3};
	vfio_device_bind_iommufd b{};
	b.argsz = sizeof(b);
	b.flags = VFIO_DEVICE_BIND_FLAG_TOKEN;
	b.iommufd = iommufd;
	b.token_uuid_ptr = reinterpret_cast<uintptr_t>(uuid);
	EXPECT_EQ(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b), -EINVAL);
	b.token_uuid_ptr = 8;
	EXPECT_EQ(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b), -EFAULT);
}

TEST_F(Cdev, BindWhileGroupOpenIsEbusy)
{
	must_open("/dev/vfio/2");
	int dev = must_open(kEduCdev);
	int iommufd = must_open("/dev/iommu");
	EXPECT_EQ(bind(dev, iommufd), -EBUSY);
}

TEST_F(Cdev, GroupOpenWhileBoundIsEbusy)
{
	int dev = must_open(kEduCdev);
	int iommufd = must_open("/dev/iommu");
	ASSERT_EQ(bind(dev, iommufd), 0);
	EXPECT_EQ(open_node("/dev/vfio/2"), -EBUSY);
	close_fd(dev);
	EXPECT_GE(open_node("/dev/vfio/2"), 0);
}

/* The cdev path opens a device once: not next to another open. */
TEST_F(Cdev, BindOfOpenDeviceIsEinval)
{
	int a = must_open(kEduCdev);
	int b = must_open(kEduCdev);
	int iommufd = must_open("/dev/iommu");
	ASSERT_EQ(bind(a, iommufd), 0);
	EXPECT_EQ(bind(b, iommufd), -EINVAL);
	long direct = kernel_->open_device(kIvshmem);
	ASSERT_GE(direct, 0);
	int ivshmem = must_open("/dev/vfio/devices/vfio0");
	EXPECT_EQ(bind(ivshmem, iommufd), -EINVAL);
	kernel_->close(static_cast<int>(direct));
}

TEST_F(Cdev, AttachIoasGivesAutomaticHwpt)
{
	int dev = must_open(kEduCdev);
	int iommufd = must_open("/dev/iommu");
	ASSERT_EQ(bind(dev, iommufd), 0);
	uint32_t ioas = ioas_alloc(iommufd);
	EXPECT_EQ(ioas, 2u);
	uint32_t pt = ioas;
	ASSERT_EQ(attach(dev, pt), 0);
	EXPECT_EQ(pt, 3u);
	pt = ioas;
	EXPECT_EQ(attach(dev, pt), 0);
	EXPECT_EQ(pt, 3u);
}

TEST_F(Cdev, AttachUnknownOrWrongObject)
{
	int dev = must_open(kEduCdev);
	int iommufd = must_open("/dev/iommu");
	uint32_t devid = 0;
	ASSERT_EQ(bind(dev, iommufd, &devid), 0);
	uint32_t pt = 77;
	EXPECT_EQ(attach(dev, pt), -ENOENT);
	pt = devid;
	EXPECT_EQ(attach(dev, pt), -EINVAL);
}

TEST_F(Cdev, AttachArgumentRows)
{
	int dev = must_open(kEduCdev);
	int iommufd = must_open("/dev/iommu");
	ASSERT_EQ(bind(dev, iommufd), 0);
	vfio_device_attach_iommufd_pt a{};
	a.argsz = 11;
	EXPECT_EQ(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a), -EINVAL);
	a.argsz = sizeof(a);
	a.flags = 1u << 3;
	EXPECT_EQ(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a), -EINVAL);
	a.flags = VFIO_DEVICE_ATTACH_PASID;
	EXPECT_EQ(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a), -EOPNOTSUPP);
}

TEST_F(Cdev, DetachWhenNotAttachedIsFine)
{
	int dev = must_open(kEduCdev);
	int iommufd = must_open("/dev/iommu");
	ASSERT_EQ(bind(dev, iommufd), 0);
	EXPECT_EQ(detach(dev), 0);
}

/* bind, IOAS, attach, map, DMA; detach blocks DMA again. */
TEST_F(Cdev, EduDmaThroughIoas)
{
	Attached a;
	ASSERT_NO_FATAL_FAILURE(attach_edu(a));
	auto [dev, iommufd, devid, ioas, pt] = a;
	uint8_t *buf = pages(2);
	for (size_t i = 0; i < 4096; i++)
		buf[i] = static_cast<uint8_t>(i * 3);
	ASSERT_EQ(ioas_map(iommufd, ioas, buf, 8192, 0x100000), 0);
	bus_master(dev);
	edu_dma(dev, 0x100000, 0x40000, 4000, 1);
	edu_dma(dev, 0x40000, 0x101000, 4000, 1 | 2);
	EXPECT_EQ(std::memcmp(buf, buf + 4096, 4000), 0);
	ASSERT_EQ(detach(dev), 0);
	std::memset(buf + 4096, 0, 4096);
	edu_dma(dev, 0x40000, 0x101000, 4000, 1 | 2);
	EXPECT_EQ(std::accumulate(buf + 4096, buf + 8192, 0), 0);
	EXPECT_EQ(faults(kEdu), 1u);
}

/* Closing the cdev undoes the binding: the device object and its
 * automatic HWPT go, and the IOAS may be destroyed. */
TEST_F(Cdev, CloseUnbinds)
{
	Attached a;
	ASSERT_NO_FATAL_FAILURE(attach_edu(a));
	auto [dev, iommufd, devid, ioas, pt] = a;
	iommu_destroy d{sizeof(d), ioas};
	EXPECT_EQ(ioctl(iommufd, IOMMU_DESTROY, &d), -EBUSY);
	d.id = devid;
	EXPECT_EQ(ioctl(iommufd, IOMMU_DESTROY, &d), -EBUSY);
	close_fd(dev);
	EXPECT_EQ(kernel_->device_state(kEdu)->open_count, 0u);
	EXPECT_EQ(ioctl(iommufd, IOMMU_DESTROY, &d), -ENOENT);
	d.id = pt;
	EXPECT_EQ(ioctl(iommufd, IOMMU_DESTROY, &d), -ENOENT);
	d.id = ioas;
	EXPECT_EQ(ioctl(iommufd, IOMMU_DESTROY, &d), 0);
}

/* The device stays bound while the iommufd fd is closed: it holds it. */
TEST_F(Cdev, BindingKeepsIommufd)
{
	Attached a;
	ASSERT_NO_FATAL_FAILURE(attach_edu(a));
	auto [dev, iommufd, devid, ioas, pt] = a;
	close_fd(iommufd);
	EXPECT_EQ(detach(dev), 0);
	pt = ioas;
	EXPECT_EQ(attach(dev, pt), 0);
}

class CdevClassic : public Cdev
{
protected:
	ProfileId profile() const override { return ProfileId::Linux612; }
};

/* A classic BAR mapping of a cdev file is named after the node. */
TEST_F(CdevClassic, MapsNameIsTheNode)
{
	int dev = must_open("/dev/vfio/devices/vfio0");
	int iommufd = must_open("/dev/iommu");
	ASSERT_EQ(bind(dev, iommufd), 0);
	long bar = kernel_->mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, dev,
				 static_cast<off_t>(uint64_t(2) << 40));
	ASSERT_GT(bar, 0);
	bool found = false;
	for (auto &m : kernel_->mappings(false))
		found |= m.start == static_cast<uintptr_t>(bar) && m.path == "/dev/vfio/devices/vfio0";
	EXPECT_TRUE(found);
	kernel_->munmap(reinterpret_cast<void *>(bar), 4096);
}

} /* namespace */
} /* namespace softvfio::test */
