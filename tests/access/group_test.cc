/* SPDX-License-Identifier: MIT */
/*
 * /dev/vfio/<n>: one open at a time, GET_STATUS, SET_CONTAINER and
 * UNSET_CONTAINER rows, GET_DEVICE_FD's name matching and errnos, and the
 * device fd it returns.
 */
#include "access/access_fixture.h"

namespace softvfio::test {
namespace {

class Group : public AccessTest
{
protected:
	void SetUp() override { add_guest_devices(); }
	uint32_t status(int group)
	{
		vfio_group_status st{};
		st.argsz = sizeof(st);
		EXPECT_EQ(ioctl(group, VFIO_GROUP_GET_STATUS, &st), 0);
		return st.flags;
	}
};

TEST_F(Group, SecondOpenIsEbusy)
{
	must_open("/dev/vfio/1");
	EXPECT_EQ(open_node("/dev/vfio/1"), -EBUSY);
	EXPECT_GE(open_node("/dev/vfio/2"), 0);
}

TEST_F(Group, ReopenAfterClose)
{
	int g = must_open("/dev/vfio/1");
	close_fd(g);
	EXPECT_GE(open_node("/dev/vfio/1"), 0);
}

/* A dup shares the one open; the group stays open until the last close. */
TEST_F(Group, DupKeepsItOpen)
{
	int g = must_open("/dev/vfio/1");
	long d = kernel_->dup(g);
	ASSERT_GE(d, 0);
	close_fd(g);
	EXPECT_EQ(open_node("/dev/vfio/1"), -EBUSY);
	kernel_->close(static_cast<int>(d));
	EXPECT_GE(open_node("/dev/vfio/1"), 0);
}

TEST_F(Group, StatusViableThenContainerSet)
{
	int g = must_open("/dev/vfio/1");
	int c = must_open("/dev/vfio/vfio");
	EXPECT_EQ(status(g), uint32_t(VFIO_GROUP_FLAGS_VIABLE));
	ASSERT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), 0);
	EXPECT_EQ(status(g), uint32_t(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET));
}

TEST_F(Group, StatusShortArgszIsEinval)
{
	int g = must_open("/dev/vfio/1");
	vfio_group_status st{};
	st.argsz = 7;
	EXPECT_EQ(ioctl(g, VFIO_GROUP_GET_STATUS, &st), -EINVAL);
}

TEST_F(Group, UnknownIoctlIsEnotty)
{
	int g = must_open("/dev/vfio/1");
	EXPECT_EQ(ioctl(g, VFIO_IOMMU_GET_INFO, uintptr_t(0)), -ENOTTY);
}

TEST_F(Group, SetContainerBadPointerIsEfault)
{
	int g = must_open("/dev/vfio/1");
	EXPECT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, uintptr_t(16)), -EFAULT);
}

TEST_F(Group, SetContainerClosedFdIsEbadf)
{
	int g = must_open("/dev/vfio/1");
	int bad = 999;
	EXPECT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &bad), -EBADF);
}

/* Neither a container nor an iommufd: EBADFD. */
TEST_F(Group, SetContainerOtherFdIsEbadfd)
{
	int g = must_open("/dev/vfio/1");
	int g2 = must_open("/dev/vfio/2");
	EXPECT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &g2), -EBADFD);
	int real = 0;
	EXPECT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &real), -EBADFD);
}

TEST_F(Group, SecondContainerIsEinval)
{
	int g = must_open("/dev/vfio/1");
	int c = must_open("/dev/vfio/vfio");
	int c2 = must_open("/dev/vfio/vfio");
	ASSERT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), 0);
	EXPECT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c2), -EINVAL);
	EXPECT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), -EINVAL);
}

TEST_F(Group, UnsetWithoutContainerIsEinval)
{
	int g = must_open("/dev/vfio/1");
	EXPECT_EQ(ioctl(g, VFIO_GROUP_UNSET_CONTAINER, uintptr_t(0)), -EINVAL);
}

TEST_F(Group, UnsetWithOpenDeviceIsEbusy)
{
	auto t = type1(kIvshmem, 1);
	EXPECT_EQ(ioctl(t.group, VFIO_GROUP_UNSET_CONTAINER, uintptr_t(0)), -EBUSY);
	close_fd(t.device);
	EXPECT_EQ(ioctl(t.group, VFIO_GROUP_UNSET_CONTAINER, uintptr_t(0)), 0);
	EXPECT_EQ(status(t.group), uint32_t(VFIO_GROUP_FLAGS_VIABLE));
}

TEST_F(Group, DeviceFdWithoutContainerIsEinval)
{
	int g = must_open("/dev/vfio/1");
	EXPECT_EQ(ioctl(g, VFIO_GROUP_GET_DEVICE_FD, kIvshmem), -EINVAL);
}

TEST_F(Group, DeviceFdWithoutIommuIsEinval)
{
	int g = must_open("/dev/vfio/1");
	int c = must_open("/dev/vfio/vfio");
	ASSERT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), 0);
	EXPECT_EQ(ioctl(g, VFIO_GROUP_GET_DEVICE_FD, kIvshmem), -EINVAL);
}

/* The name is matched before anything else. */
TEST_F(Group, UnknownNameIsEnodev)
{
	int g = must_open("/dev/vfio/1");
	EXPECT_EQ(ioctl(g, VFIO_GROUP_GET_DEVICE_FD, "0000:00:09.0"), -ENODEV);
	EXPECT_EQ(ioctl(g, VFIO_GROUP_GET_DEVICE_FD, kEdu), -ENODEV);
	EXPECT_EQ(ioctl(g, VFIO_GROUP_GET_DEVICE_FD, "0000:00:01.00"), -ENODEV);
}

TEST_F(Group, NameBadPointerIsEfault)
{
	int g = must_open("/dev/vfio/1");
	EXPECT_EQ(ioctl(g, VFIO_GROUP_GET_DEVICE_FD, uintptr_t(16)), -EFAULT);
}

/* A VF token for a device that is neither a PF nor a VF, or an unknown
 * option, is EINVAL; trailing blanks are fine. */
TEST_F(Group, TokenOrOptionIsEinval)
{
	auto t = type1(kIvshmem, 1);
	std::string base = kIvshmem;
	EXPECT_EQ(ioctl(t.group, VFIO_GROUP_GET_DEVICE_FD,
			(base + " vf_token=2ab74924-c335-45f4-9b16-8569e5b08258").c_str()),
		  -EINVAL);
	EXPECT_EQ(ioctl(t.group, VFIO_GROUP_GET_DEVICE_FD, (base + " vf_token=nope").c_str()), -EINVAL);
	EXPECT_EQ(ioctl(t.group, VFIO_GROUP_GET_DEVICE_FD, (base + " other=1").c_str()), -EINVAL);
	long fd = ioctl(t.group, VFIO_GROUP_GET_DEVICE_FD, (base + "  ").c_str());
	EXPECT_GE(fd, 0);
	if (fd >= 0)
		kernel_->close(static_cast<int>(fd));
}

/* The device fd is O_RDWR with close-on-exec, whatever the group had. */
TEST_F(Group, DeviceFdIsCloexecReadWrite)
{
	int c = must_open("/dev/vfio/vfio", O_RDWR);
	int g = must_open("/dev/vfio/1", O_RDWR);
	ASSERT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), 0);
	ASSERT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), 0);
	int d = device_fd(g, kIvshmem);
	EXPECT_EQ(::fcntl(d, F_GETFD), FD_CLOEXEC);
	EXPECT_EQ(::fcntl(d, F_GETFL) & O_ACCMODE, O_RDWR);
	EXPECT_EQ(::fcntl(g, F_GETFD), 0);
}

/* Group-path device files may be opened more than once. */
TEST_F(Group, DeviceOpenedTwice)
{
	auto t = type1(kIvshmem, 1);
	int d2 = device_fd(t.group, kIvshmem);
	EXPECT_GE(d2, 0);
	EXPECT_EQ(kernel_->device_state(kIvshmem)->open_count, 2u);
}

/* A device fd keeps its group file: closing the group changes nothing. */
TEST_F(Group, DeviceHoldsGroup)
{
	auto t = type1(kIvshmem, 1);
	close_fd(t.group);
	EXPECT_EQ(open_node("/dev/vfio/1"), -EBUSY);
	close_fd(t.device);
	EXPECT_GE(open_node("/dev/vfio/1"), 0);
}

class GroupClassic : public AccessTest
{
protected:
	void SetUp() override { add_guest_devices(ProfileId::Linux612); }
};

/* A classic BAR mapping of a group-obtained device is the device file:
 * anon_inode:[vfio-device]. */
TEST_F(GroupClassic, MapsNameIsAnonInode)
{
	auto t = type1(kIvshmem, 1);
	long bar = kernel_->mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, t.device,
				 static_cast<off_t>(uint64_t(2) << 40));
	ASSERT_GT(bar, 0);
	bool found = false;
	for (auto &m : kernel_->mappings(false))
		found |= m.start == static_cast<uintptr_t>(bar) && m.path == "anon_inode:[vfio-device]";
	EXPECT_TRUE(found);
	kernel_->munmap(reinterpret_cast<void *>(bar), 4096);
}

/* BIND_IOMMUFD is for cdev files: EINVAL on a group-obtained one. */
TEST_F(Group, BindIommufdOnGroupDeviceIsEinval)
{
	auto t = type1(kIvshmem, 1);
	int iommufd = must_open("/dev/iommu");
	vfio_device_bind_iommufd bind{};
	bind.argsz = sizeof(bind);
	bind.iommufd = iommufd;
	EXPECT_EQ(ioctl(t.device, VFIO_DEVICE_BIND_IOMMUFD, &bind), -EINVAL);
	vfio_device_attach_iommufd_pt attach{};
	attach.argsz = sizeof(attach);
	EXPECT_EQ(ioctl(t.device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach), -ENOTTY);
}

/* Real groups and no-IOMMU groups cannot share a container; a type1
 * container cannot take a no-IOMMU driver. */
TEST_F(Group, NoiommuTypeOnRealGroupIsEnodev)
{
	int g = must_open("/dev/vfio/1");
	int c = must_open("/dev/vfio/vfio");
	ASSERT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), 0);
	EXPECT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_NOIOMMU_IOMMU)), -ENODEV);
}

} /* namespace */
} /* namespace softvfio::test */
