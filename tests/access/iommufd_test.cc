/* SPDX-License-Identifier: MIT */
/*
 * /dev/iommu: the size rules every command shares, object ids and
 * IOMMU_DESTROY, IOVA ranges and allowed lists, MAP/UNMAP/COPY rows,
 * OPTION, VFIO_IOAS, GET_HW_INFO and HWPT_ALLOC as a software IOMMU
 * answers them.
 */
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "access/access_fixture.h"

namespace softvfio::test {
namespace {

constexpr uint32_t kRW = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;

bool has_cap(int cap)
{
	__user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
	return ::syscall(SYS_capget, &header, data) == 0 && (data[cap / 32].effective & (1u << (cap % 32)));
}

class Iommufd : public AccessTest
{
protected:
	void SetUp() override
	{
		add_guest_devices();
		fd_ = must_open("/dev/iommu");
	}
	uint32_t ioas()
	{
		iommu_ioas_alloc a{};
		a.size = sizeof(a);
		EXPECT_EQ(ioctl(fd_, IOMMU_IOAS_ALLOC, &a), 0);
		return a.out_ioas_id;
	}
	long map(uint32_t id, const void *va, uint64_t len, uint64_t &iova, uint32_t flags = kRW)
	{
		iommu_ioas_map m{};
		m.size = sizeof(m);
		m.flags = flags;
		m.ioas_id = id;
		m.user_va = reinterpret_cast<uintptr_t>(va);
		m.length = len;
		m.iova = iova;
		long r = ioctl(fd_, IOMMU_IOAS_MAP, &m);
		iova = m.iova;
		return r;
	}
	long unmap(uint32_t id, uint64_t iova, uint64_t &len)
	{
		iommu_ioas_unmap u{};
		u.size = sizeof(u);
		u.ioas_id = id;
		u.iova = iova;
		u.length = len;
		long r = ioctl(fd_, IOMMU_IOAS_UNMAP, &u);
		len = u.length;
		return r;
	}
	long ranges(uint32_t id, std::vector<iommu_iova_range> &out, uint32_t room, uint64_t *align = nullptr)
	{
		out.assign(room, {});
		iommu_ioas_iova_ranges r{};
		r.size = sizeof(r);
		r.ioas_id = id;
		r.num_iovas = room;
		r.allowed_iovas = reinterpret_cast<uintptr_t>(out.data());
		long ret = ioctl(fd_, IOMMU_IOAS_IOVA_RANGES, &r);
		out.resize(r.num_iovas);
		if (align)
			*align = r.out_iova_alignment;
		return ret;
	}
	/* edu bound through its cdev and attached to `id`. */
	int attach_edu(uint32_t id)
	{
		int dev = must_open("/dev/vfio/devices/vfio1");
		vfio_device_bind_iommufd b{};
		b.argsz = sizeof(b);
		b.iommufd = fd_;
		EXPECT_EQ(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b), 0);
		vfio_device_attach_iommufd_pt a{};
		a.argsz = sizeof(a);
		a.pt_id = id;
		EXPECT_EQ(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a), 0);
		return dev;
	}
	int fd_ = -1;
};

/* --- the shared command rules --- */

TEST_F(Iommufd, UnknownCommandIsEnotty)
{
	uint32_t size = 8;
	EXPECT_EQ(ioctl(fd_, _IO(';', 0x95), &size), -ENOTTY);
	EXPECT_EQ(ioctl(fd_, _IOW(';', 0x81, uint32_t), &size), -ENOTTY);
	EXPECT_EQ(ioctl(fd_, VFIO_DEVICE_GET_INFO, &size), -ENOTTY);
}

TEST_F(Iommufd, SizeBelowMinimumIsEinval)
{
	iommu_ioas_alloc a{};
	a.size = 8;
	EXPECT_EQ(ioctl(fd_, IOMMU_IOAS_ALLOC, &a), -EINVAL);
}

TEST_F(Iommufd, UnreadableSizeIsEfault)
{
	EXPECT_EQ(ioctl(fd_, IOMMU_IOAS_ALLOC, uintptr_t(8)), -EFAULT);
}

TEST_F(Iommufd, UnknownTrailingBytesMustBeZero)
{
	struct {
		iommu_ioas_alloc a;
		uint32_t extra[3];
	} big{};
	big.a.size = sizeof(big);
	big.extra[2] = 1;
	EXPECT_EQ(ioctl(fd_, IOMMU_IOAS_ALLOC, &big), -E2BIG);
	big.extra[2] = 0;
	EXPECT_EQ(ioctl(fd_, IOMMU_IOAS_ALLOC, &big), 0);
	EXPECT_EQ(big.a.out_ioas_id, 1u);
}

/* --- objects --- */

TEST_F(Iommufd, IdsAreLowestFree)
{
	EXPECT_EQ(ioas(), 1u);
	EXPECT_EQ(ioas(), 2u);
	iommu_destroy d{sizeof(d), 1};
	ASSERT_EQ(ioctl(fd_, IOMMU_DESTROY, &d), 0);
	EXPECT_EQ(ioas(), 1u);
	EXPECT_EQ(ioas(), 3u);
}

TEST_F(Iommufd, IoasAllocFlagsIsEopnotsupp)
{
	iommu_ioas_alloc a{};
	a.size = sizeof(a);
	a.flags = 1;
	EXPECT_EQ(ioctl(fd_, IOMMU_IOAS_ALLOC, &a), -EOPNOTSUPP);
}

TEST_F(Iommufd, DestroyUnknownIsEnoent)
{
	iommu_destroy d{sizeof(d), 5};
	EXPECT_EQ(ioctl(fd_, IOMMU_DESTROY, &d), -ENOENT);
}

/* --- IOVA ranges --- */

TEST_F(Iommufd, RangesWithoutDomainAreEverything)
{
	std::vector<iommu_iova_range> r;
	uint64_t align = 0;
	ASSERT_EQ(ranges(ioas(), r, 4, &align), 0);
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0].start, 0u);
	EXPECT_EQ(r[0].last, UINT64_MAX);
	EXPECT_EQ(align, 1u);
}

TEST_F(Iommufd, RangesTooSmallIsEmsgsizeWithCount)
{
	uint32_t id = ioas();
	attach_edu(id);
	std::vector<iommu_iova_range> r;
	EXPECT_EQ(ranges(id, r, 0), -EMSGSIZE);
	EXPECT_EQ(r.size(), 2u);
}

/* A device brings the IOMMU's aperture, page size and MSI window. */
TEST_F(Iommufd, RangesWithDevice)
{
	uint32_t id = ioas();
	attach_edu(id);
	std::vector<iommu_iova_range> r;
	uint64_t align = 0;
	ASSERT_EQ(ranges(id, r, 4, &align), 0);
	ASSERT_EQ(r.size(), 2u);
	EXPECT_EQ(r[0].start, 0u);
	EXPECT_EQ(r[0].last, 0xfedfffffull);
	EXPECT_EQ(r[1].start, 0xfef00000ull);
	EXPECT_EQ(r[1].last, 0x7fffffffffull);
	EXPECT_EQ(align, 4096u);
}

TEST_F(Iommufd, RangesUnknownIoasIsEnoent)
{
	std::vector<iommu_iova_range> r;
	EXPECT_EQ(ranges(9, r, 1), -ENOENT);
}

TEST_F(Iommufd, AllowIovasRows)
{
	uint32_t id = ioas();
	iommu_iova_range list[2] = {{0x100000, 0x1fffff}, {0x180000, 0x2fffff}};
	iommu_ioas_allow_iovas a{};
	a.size = sizeof(a);
	a.ioas_id = id;
	a.num_iovas = 2;
	a.allowed_iovas = reinterpret_cast<uintptr_t>(list);
	EXPECT_EQ(ioctl(fd_, IOMMU_IOAS_ALLOW_IOVAS, &a), -EINVAL);
	list[1] = {0x300000, 0x300000};
	EXPECT_EQ(ioctl(fd_, IOMMU_IOAS_ALLOW_IOVAS, &a), -EINVAL);
	list[1] = {0x300000, 0x3fffff};
	EXPECT_EQ(ioctl(fd_, IOMMU_IOAS_ALLOW_IOVAS, &a), 0);
	/* Allocation stays inside the allowed ranges. */
	uint64_t iova = 0;
	ASSERT_EQ(map(id, pages(1), 4096, iova), 0);
	EXPECT_EQ(iova, 0x100000u);
}

TEST_F(Iommufd, AllowOverReservedIsEaddrinuse)
{
	uint32_t id = ioas();
	attach_edu(id);
	iommu_iova_range list = {0xfe000000, 0xfeffffff};
	iommu_ioas_allow_iovas a{};
	a.size = sizeof(a);
	a.ioas_id = id;
	a.num_iovas = 1;
	a.allowed_iovas = reinterpret_cast<uintptr_t>(&list);
	EXPECT_EQ(ioctl(fd_, IOMMU_IOAS_ALLOW_IOVAS, &a), -EADDRINUSE);
}

/* --- MAP --- */

/* Without FIXED_IOVA the IOVA keeps the buffer's alignment (up to the
 * length's power of two) and is never 0. */
TEST_F(Iommufd, MapPicksIova)
{
	uint32_t id = ioas();
	uint8_t *buf = pages(4);
	uint64_t iova = 0;
	ASSERT_EQ(map(id, buf, 4096, iova), 0);
	EXPECT_EQ(iova, 4096u);
	uint64_t iova2 = 0;
	ASSERT_EQ(map(id, buf + 4096, 4096, iova2), 0);
	EXPECT_EQ(iova2, 8192u);
}

TEST_F(Iommufd, MapFixedOverlapIsEexist)
{
	uint32_t id = ioas();
	uint8_t *buf = pages(2);
	uint64_t iova = 0x100000;
	ASSERT_EQ(map(id, buf, 8192, iova, kRW | IOMMU_IOAS_MAP_FIXED_IOVA), 0);
	iova = 0x101000;
	EXPECT_EQ(map(id, buf, 4096, iova, kRW | IOMMU_IOAS_MAP_FIXED_IOVA), -EEXIST);
}

TEST_F(Iommufd, MapArgumentRows)
{
	uint32_t id = ioas();
	uint8_t *buf = pages(1);
	uint64_t iova = 0;
	EXPECT_EQ(map(id, buf, 4096, iova, 0), -EINVAL);
	EXPECT_EQ(map(id, buf, 4096, iova, kRW | (1u << 3)), -EOPNOTSUPP);
	EXPECT_EQ(map(id, buf, 0, iova), -EINVAL);
	EXPECT_EQ(map(id, buf, UINT64_MAX, iova), -EOVERFLOW);
	EXPECT_EQ(map(77, buf, 4096, iova), -ENOENT);
	iommu_ioas_map m{};
	m.size = sizeof(m);
	m.flags = kRW;
	m.ioas_id = id;
	m.__reserved = 1;
	m.user_va = reinterpret_cast<uintptr_t>(buf);
	m.length = 4096;
	EXPECT_EQ(ioctl(fd_, IOMMU_IOAS_MAP, &m), -EOPNOTSUPP);
}

TEST_F(Iommufd, MapIntoReservedIsEinval)
{
	uint32_t id = ioas();
	attach_edu(id);
	uint64_t iova = 0xfee00000;
	EXPECT_EQ(map(id, pages(1), 4096, iova, kRW | IOMMU_IOAS_MAP_FIXED_IOVA), -EINVAL);
}

/* With a domain, unaligned and unpinnable memory is refused. */
TEST_F(Iommufd, MapWithDomainChecks)
{
	uint32_t id = ioas();
	attach_edu(id);
	uint8_t *buf = pages(2);
	uint64_t iova = 0x100800;
	EXPECT_EQ(map(id, buf, 4096, iova, kRW | IOMMU_IOAS_MAP_FIXED_IOVA), -EINVAL);
	uint8_t *gone = pages(1);
	::munmap(gone, 4096);
	maps_.pop_back();
	iova = 0x100000;
	EXPECT_EQ(map(id, gone, 4096, iova, kRW | IOMMU_IOAS_MAP_FIXED_IOVA), -EFAULT);
}

/* Without a domain nothing is pinned yet: the attach finds out. */
TEST_F(Iommufd, LazyPinFailsAttach)
{
	uint32_t id = ioas();
	uint8_t *gone = pages(1);
	::munmap(gone, 4096);
	maps_.pop_back();
	uint64_t iova = 0x100000;
	ASSERT_EQ(map(id, gone, 4096, iova, kRW | IOMMU_IOAS_MAP_FIXED_IOVA), 0);
	int dev = must_open("/dev/vfio/devices/vfio1");
	vfio_device_bind_iommufd b{};
	b.argsz = sizeof(b);
	b.iommufd = fd_;
	ASSERT_EQ(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b), 0);
	vfio_device_attach_iommufd_pt a{};
	a.argsz = sizeof(a);
	a.pt_id = id;
	EXPECT_EQ(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a), -EFAULT);
}

/* iommufd pins pages only: an mmapped BAR is not DMA-mappable memory. */
TEST_F(Iommufd, MapOfBarIsEfault)
{
	uint32_t id = ioas();
	int dev = attach_edu(id);
	long bar = kernel_->mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, dev, 0);
	ASSERT_GT(bar, 0);
	uint64_t iova = 0x100000;
	EXPECT_EQ(map(id, reinterpret_cast<void *>(bar), 4096, iova, kRW | IOMMU_IOAS_MAP_FIXED_IOVA), -EFAULT);
	kernel_->munmap(reinterpret_cast<void *>(bar), 4096);
}

/* --- UNMAP --- */

TEST_F(Iommufd, UnmapAllReturnsBytes)
{
	uint32_t id = ioas();
	uint8_t *buf = pages(3);
	uint64_t a = 0x100000, b = 0x200000;
	ASSERT_EQ(map(id, buf, 8192, a, kRW | IOMMU_IOAS_MAP_FIXED_IOVA), 0);
	ASSERT_EQ(map(id, buf + 8192, 4096, b, kRW | IOMMU_IOAS_MAP_FIXED_IOVA), 0);
	uint64_t len = UINT64_MAX;
	ASSERT_EQ(unmap(id, 0, len), 0);
	EXPECT_EQ(len, 12288u);
	len = UINT64_MAX;
	EXPECT_EQ(unmap(id, 0, len), 0);
	EXPECT_EQ(len, 0u);
}

TEST_F(Iommufd, UnmapNothingIsEnoent)
{
	uint32_t id = ioas();
	uint64_t len = 4096;
	EXPECT_EQ(unmap(id, 0x100000, len), -ENOENT);
}

TEST_F(Iommufd, UnmapSplitIsEnoent)
{
	uint32_t id = ioas();
	uint64_t iova = 0x100000;
	ASSERT_EQ(map(id, pages(2), 8192, iova, kRW | IOMMU_IOAS_MAP_FIXED_IOVA), 0);
	uint64_t len = 4096;
	EXPECT_EQ(unmap(id, 0x100000, len), -ENOENT);
	len = 8192;
	EXPECT_EQ(unmap(id, 0x100000, len), 0);
	EXPECT_EQ(len, 8192u);
}

TEST_F(Iommufd, UnmapArgumentRows)
{
	uint32_t id = ioas();
	uint64_t len = 0;
	EXPECT_EQ(unmap(id, 0x100000, len), -EINVAL);
	len = 8192;
	EXPECT_EQ(unmap(id, UINT64_MAX - 4095, len), -EOVERFLOW);
	len = 4096;
	EXPECT_EQ(unmap(55, 0x100000, len), -ENOENT);
}

/* --- COPY --- */

TEST_F(Iommufd, CopySharesTheMemory)
{
	uint32_t src = ioas(), dst = ioas();
	uint8_t *buf = pages(2);
	uint64_t iova = 0x100000;
	ASSERT_EQ(map(src, buf, 8192, iova, kRW | IOMMU_IOAS_MAP_FIXED_IOVA), 0);
	iommu_ioas_copy c{};
	c.size = sizeof(c);
	c.flags = kRW | IOMMU_IOAS_MAP_FIXED_IOVA;
	c.dst_ioas_id = dst;
	c.src_ioas_id = src;
	c.length = 4096;
	c.dst_iova = 0x500000;
	c.src_iova = 0x101000;
	ASSERT_EQ(ioctl(fd_, IOMMU_IOAS_COPY, &c), 0);
	int dev = attach_edu(dst);
	bus_master(dev);
	std::memset(buf + 4096, 0x77, 16);
	edu_dma(dev, 0x500000, 0x40000, 16, 1);
	edu_dma(dev, 0x40000, 0x500010, 16, 1 | 2);
	EXPECT_EQ(buf[4096 + 16], 0x77);
	c.src_iova = 0x300000;
	EXPECT_EQ(ioctl(fd_, IOMMU_IOAS_COPY, &c), -ENOENT);
}

/* --- OPTION, VFIO_IOAS --- */

TEST_F(Iommufd, HugePagesOption)
{
	uint32_t id = ioas();
	iommu_option o{};
	o.size = sizeof(o);
	o.option_id = IOMMU_OPTION_HUGE_PAGES;
	o.op = IOMMU_OPTION_OP_GET;
	o.object_id = id;
	ASSERT_EQ(ioctl(fd_, IOMMU_OPTION, &o), 0);
	EXPECT_EQ(o.val64, 1u);
	o.op = IOMMU_OPTION_OP_SET;
	o.val64 = 0;
	ASSERT_EQ(ioctl(fd_, IOMMU_OPTION, &o), 0);
	o.op = IOMMU_OPTION_OP_GET;
	ASSERT_EQ(ioctl(fd_, IOMMU_OPTION, &o), 0);
	EXPECT_EQ(o.val64, 0u);
	o.op = 7;
	EXPECT_EQ(ioctl(fd_, IOMMU_OPTION, &o), -EOPNOTSUPP);
	o.option_id = 9;
	EXPECT_EQ(ioctl(fd_, IOMMU_OPTION, &o), -EOPNOTSUPP);
}

TEST_F(Iommufd, RlimitModeOption)
{
	iommu_option o{};
	o.size = sizeof(o);
	o.option_id = IOMMU_OPTION_RLIMIT_MODE;
	o.op = IOMMU_OPTION_OP_GET;
	ASSERT_EQ(ioctl(fd_, IOMMU_OPTION, &o), 0);
	EXPECT_EQ(o.val64, 0u);
	o.op = IOMMU_OPTION_OP_SET;
	o.val64 = 1;
	/* Setting it needs CAP_SYS_RESOURCE. */
	long expect = has_cap(CAP_SYS_RESOURCE) ? 0 : -EPERM;
	EXPECT_EQ(ioctl(fd_, IOMMU_OPTION, &o), expect);
	ioas();
	EXPECT_EQ(ioctl(fd_, IOMMU_OPTION, &o), expect ? expect : -EBUSY);
	o.object_id = 1;
	EXPECT_EQ(ioctl(fd_, IOMMU_OPTION, &o), -EOPNOTSUPP);
}

TEST_F(Iommufd, VfioIoasGetSetClear)
{
	iommu_vfio_ioas v{};
	v.size = sizeof(v);
	v.op = IOMMU_VFIO_IOAS_GET;
	EXPECT_EQ(ioctl(fd_, IOMMU_VFIO_IOAS, &v), -ENODEV);
	uint32_t id = ioas();
	v.op = IOMMU_VFIO_IOAS_SET;
	v.ioas_id = 40;
	EXPECT_EQ(ioctl(fd_, IOMMU_VFIO_IOAS, &v), -ENOENT);
	v.ioas_id = id;
	ASSERT_EQ(ioctl(fd_, IOMMU_VFIO_IOAS, &v), 0);
	v.op = IOMMU_VFIO_IOAS_GET;
	v.ioas_id = 0;
	ASSERT_EQ(ioctl(fd_, IOMMU_VFIO_IOAS, &v), 0);
	EXPECT_EQ(v.ioas_id, id);
	v.op = IOMMU_VFIO_IOAS_CLEAR;
	ASSERT_EQ(ioctl(fd_, IOMMU_VFIO_IOAS, &v), 0);
	v.op = IOMMU_VFIO_IOAS_GET;
	EXPECT_EQ(ioctl(fd_, IOMMU_VFIO_IOAS, &v), -ENODEV);
	v.op = 3;
	EXPECT_EQ(ioctl(fd_, IOMMU_VFIO_IOAS, &v), -EOPNOTSUPP);
}

/* --- the IOMMU --- */

TEST_F(Iommufd, HwInfoOfSoftwareIommu)
{
	attach_edu(ioas());
	uint8_t data[16];
	std::memset(data, 0xff, sizeof(data));
	iommu_hw_info h{};
	h.size = sizeof(h);
	h.dev_id = 2;   /* IOAS 1, then the device */
	h.data_len = sizeof(data);
	h.data_uptr = reinterpret_cast<uintptr_t>(data);
	h.out_capabilities = 5;
	ASSERT_EQ(ioctl(fd_, IOMMU_GET_HW_INFO, &h), 0);
	EXPECT_EQ(h.out_data_type, uint32_t(IOMMU_HW_INFO_TYPE_NONE));
	EXPECT_EQ(h.data_len, 0u);
	EXPECT_EQ(h.out_capabilities, 0u);
	EXPECT_EQ(data[0], 0);
	h.dev_id = 9;
	EXPECT_EQ(ioctl(fd_, IOMMU_GET_HW_INFO, &h), -ENOENT);
}

TEST_F(Iommufd, HwptAlloc)
{
	uint32_t id = ioas();
	int dev = attach_edu(ioas());
	iommu_hwpt_alloc h{};
	h.size = sizeof(h);
	h.dev_id = 3;   /* IOASes 1 and 2, then the device */
	h.pt_id = id;
	h.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	EXPECT_EQ(ioctl(fd_, IOMMU_HWPT_ALLOC, &h), -EOPNOTSUPP);
	h.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	EXPECT_EQ(ioctl(fd_, IOMMU_HWPT_ALLOC, &h), -EOPNOTSUPP);
	h.flags = 0;
	h.data_len = 8;
	EXPECT_EQ(ioctl(fd_, IOMMU_HWPT_ALLOC, &h), -EINVAL);
	h.data_len = 0;
	ASSERT_EQ(ioctl(fd_, IOMMU_HWPT_ALLOC, &h), 0);
	vfio_device_attach_iommufd_pt a{};
	a.argsz = sizeof(a);
	a.pt_id = h.out_hwpt_id;
	ASSERT_EQ(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a), 0);
	EXPECT_EQ(a.pt_id, h.out_hwpt_id);
	iommu_destroy d{sizeof(d), h.out_hwpt_id};
	EXPECT_EQ(ioctl(fd_, IOMMU_DESTROY, &d), -EBUSY);
}

TEST_F(Iommufd, DirtyTrackingIsEopnotsupp)
{
	uint32_t id = ioas();
	attach_edu(id);
	iommu_hwpt_set_dirty_tracking s{};
	s.size = sizeof(s);
	s.hwpt_id = 3;
	s.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	EXPECT_EQ(ioctl(fd_, IOMMU_HWPT_SET_DIRTY_TRACKING, &s), -EOPNOTSUPP);
	s.hwpt_id = 50;
	EXPECT_EQ(ioctl(fd_, IOMMU_HWPT_SET_DIRTY_TRACKING, &s), -ENOENT);
}

} /* namespace */
} /* namespace softvfio::test */
