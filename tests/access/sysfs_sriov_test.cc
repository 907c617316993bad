/* SPDX-License-Identifier: MIT */
/*
 * SR-IOV through sysfs: a PF's sriov_* attributes, sriov_numvfs with every
 * errno of sriov_numvfs_store() and vfio-pci's sriov_configure, VFs as
 * devices of their own (address, IDs, group, vfio-pci binding, physfn and
 * virtfn links), their removal (waiting for an open VF's user, asking
 * through REQ), the VFs going when the PF leaves vfio-pci, and the SR-IOV
 * capability and a VF's config space as vfio-pci shows them.
 */
#include <cstdio>
#include <poll.h>
#include <sys/eventfd.h>
#include <thread>

#include "access/sriov_fixture.h"

namespace softvfio::test {
namespace {

using SysfsSriov = SriovTest;

TEST_F(SysfsSriov, Attributes)
{
	EXPECT_EQ(read(kPfDir + "sriov_totalvfs"), "4\n");
	EXPECT_EQ(read(kPfDir + "sriov_numvfs"), "0\n");
	EXPECT_EQ(read(kPfDir + "sriov_offset"), "1\n");
	EXPECT_EQ(read(kPfDir + "sriov_stride"), "1\n");
	EXPECT_EQ(read(kPfDir + "sriov_vf_device"), "11\n");
	EXPECT_EQ(read(kPfDir + "sriov_drivers_autoprobe"), "1\n");
}

TEST_F(SysfsSriov, AttributeModes)
{
	EXPECT_EQ(mode(kPfDir + "sriov_totalvfs"), 0444u);
	EXPECT_EQ(mode(kPfDir + "sriov_numvfs"), 0644u);
	EXPECT_EQ(mode(kPfDir + "sriov_offset"), 0444u);
	EXPECT_EQ(mode(kPfDir + "sriov_stride"), 0444u);
	EXPECT_EQ(mode(kPfDir + "sriov_vf_device"), 0444u);
	EXPECT_EQ(mode(kPfDir + "sriov_drivers_autoprobe"), 0644u);
	EXPECT_EQ(mode(kPfDir + "sriov_vf_total_msix"), 0444u);
	EXPECT_EQ(read(kPfDir + "sriov_vf_total_msix"), "0\n");
}

TEST_F(SysfsSriov, VfMsixCountIsNotSupportedByVfioPci)
{
	make_vfs(1);
	const std::string count = "/sys/bus/pci/devices/" + kVf0Bdf + "/sriov_vf_msix_count";
	EXPECT_EQ(mode(count), 0200u);
	EXPECT_EQ(write(count, "x"), -EINVAL);
	EXPECT_EQ(write(count, "-1"), -EINVAL);
	EXPECT_EQ(write(count, "2"), -EOPNOTSUPP);
}

TEST_F(SysfsSriov, NoSriovFilesWithoutTheCapability)
{
	add("edu", kEdu, 2);
	EXPECT_FALSE(exists("/sys/bus/pci/devices/0000:00:02.0/sriov_totalvfs"));
	EXPECT_EQ(write("/sys/bus/pci/devices/0000:00:02.0/sriov_numvfs", "1"), -ENOENT);
}

TEST_F(SysfsSriov, EnableSriovParameter)
{
	EXPECT_EQ(read("/sys/module/vfio_pci/parameters/enable_sriov"), "N\n");
	enable_sriov();
	EXPECT_EQ(read("/sys/module/vfio_pci/parameters/enable_sriov"), "Y\n");
}

TEST_F(SysfsSriov, NumvfsWithoutEnableSriovIsEnoent)
{
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", "1"), -ENOENT);
	EXPECT_EQ(read(kPfDir + "sriov_numvfs"), "0\n");
}

TEST_F(SysfsSriov, NumvfsOfAPfWithoutADriverIsEnoent)
{
	enable_sriov();
	ASSERT_EQ(write("/sys/bus/pci/drivers/vfio-pci/unbind", kPfBdf), static_cast<long>(kPfBdf.size()));
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", "1"), -ENOENT);
}

TEST_F(SysfsSriov, NumvfsAboveTotalIsErange)
{
	enable_sriov();
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", "5"), -ERANGE);
}

TEST_F(SysfsSriov, NumvfsAboveTotalIsErangeBeforeTheDriverIsAsked)
{
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", "5"), -ERANGE);
}

TEST_F(SysfsSriov, NumvfsNotANumber)
{
	enable_sriov();
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", "two"), -EINVAL);
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", "-1"), -EINVAL);
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", "1 "), -EINVAL);
}

/* sysfs_kf_write() returns 0 for a write of no bytes before any store
 * sees it (observed on 6.12 by the conformance scenario sriov). */
TEST_F(SysfsSriov, AnEmptyWriteNeverReachesTheStore)
{
	enable_sriov();
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", ""), 0);
	EXPECT_EQ(read(kPfDir + "sriov_numvfs"), "0\n");
	EXPECT_EQ(write(kPfDir + "sriov_drivers_autoprobe", ""), 0);
	EXPECT_EQ(read(kPfDir + "sriov_drivers_autoprobe"), "1\n");
	make_vfs(1);
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", ""), 0);
	EXPECT_EQ(read(kPfDir + "sriov_numvfs"), "1\n");
	EXPECT_EQ(write("/sys/bus/pci/devices/" + kVf0Bdf + "/sriov_vf_msix_count", ""), 0);
}

/* kstrtou16's overflow is EINVAL too (observed on 6.12). */
TEST_F(SysfsSriov, NumvfsBeyondSixteenBitsIsEinval)
{
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", "70000"), -EINVAL);
}

TEST_F(SysfsSriov, NumvfsTakesHexAndANewline)
{
	make_vfs(0);
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", "0x2\n"), 4);
	EXPECT_EQ(read(kPfDir + "sriov_numvfs"), "2\n");
}

TEST_F(SysfsSriov, TheSameCountIsANoOp)
{
	/* Checked before the driver: no enable_sriov needed for it. */
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", "0"), 1);
	make_vfs(2);
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", "2"), 1);
	EXPECT_EQ(read(kPfDir + "sriov_numvfs"), "2\n");
}

TEST_F(SysfsSriov, AnotherNonZeroCountIsEbusy)
{
	make_vfs(2);
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", "3"), -EBUSY);
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", "1"), -EBUSY);
	EXPECT_EQ(read(kPfDir + "sriov_numvfs"), "2\n");
}

TEST_F(SysfsSriov, VfsAreDevicesAtOffsetAndStride)
{
	make_vfs(2);
	auto devices = kernel_->devices();
	EXPECT_EQ(devices, (std::vector<std::string>{kPfBdf, kVf0Bdf, kVf1Bdf}));
	EXPECT_EQ(link("/sys/bus/pci/devices/" + kVf0Bdf), "../../../devices/pci0000:00/" + kVf0Bdf);
	EXPECT_EQ(read(kPfDir + "sriov_numvfs"), "2\n");
}

TEST_F(SysfsSriov, VirtfnAndPhysfnLinks)
{
	make_vfs(2);
	EXPECT_EQ(link(kPfDir + "virtfn0"), "../" + kVf0Bdf);
	EXPECT_EQ(link(kPfDir + "virtfn1"), "../" + kVf1Bdf);
	EXPECT_FALSE(exists(kPfDir + "virtfn2"));
	EXPECT_EQ(link("/sys/bus/pci/devices/" + kVf0Bdf + "/physfn"), "../" + kPfBdf);
	char real[PATH_MAX];
	ASSERT_TRUE(::realpath((root_ + "/bus/pci/devices/" + kPfBdf + "/virtfn1").c_str(), real));
	EXPECT_EQ(std::string(real), root_ + "/devices/pci0000:00/" + kVf1Bdf);
}

TEST_F(SysfsSriov, VfIdentity)
{
	make_vfs(1);
	const std::string vf = "/sys/bus/pci/devices/" + kVf0Bdf + "/";
	EXPECT_EQ(read(vf + "vendor"), "0x1b36\n");
	EXPECT_EQ(read(vf + "device"), "0x0011\n");
	EXPECT_EQ(read(vf + "class"), "0x010802\n");
	EXPECT_FALSE(exists(vf + "sriov_totalvfs"));
	/* The hardware's ID registers, as the config file shows them. */
	std::string config = read(vf + "config");
	ASSERT_GE(config.size(), 4u);
	EXPECT_EQ(static_cast<uint8_t>(config[0]), 0xff);
	EXPECT_EQ(static_cast<uint8_t>(config[3]), 0xff);
}

/* The lines of a resource file. */
std::vector<std::string> lines_of(const std::string &text)
{
	std::vector<std::string> out;
	std::stringstream ss(text);
	for (std::string line; std::getline(ss, line);)
		out.push_back(line);
	return out;
}

/* As on 6.12 with QEMU's nvme: the PF's line 7 is VF BAR 0's aperture,
 * total_vfs BARs long, and each VF's BAR 0 is its slice of it. */
TEST_F(SysfsSriov, VfBarsAreSlicesOfThePfsApertures)
{
	make_vfs(2);
	auto pf = lines_of(read(kPfDir + "resource"));
	ASSERT_EQ(pf.size(), 13u);
	unsigned long long start = 0, end = 0, flags = 0;
	ASSERT_EQ(std::sscanf(pf[7].c_str(), "%llx %llx %llx", &start, &end, &flags), 3);
	EXPECT_NE(start, 0u);
	EXPECT_EQ(end - start + 1, 4u * (16u << 10));
	EXPECT_EQ(flags, 0x140204u);  /* 64-bit memory, as the kernel showed */
	EXPECT_EQ(pf[8], "0x0000000000000000 0x0000000000000000 0x0000000000000000");
	for (unsigned i = 0; i < 2; i++) {
		auto vf = lines_of(read("/sys/bus/pci/devices/" + std::string(i ? kVf1Bdf : kVf0Bdf) + "/resource"));
		ASSERT_GE(vf.size(), 1u);
		unsigned long long vstart = 0, vend = 0;
		ASSERT_EQ(std::sscanf(vf[0].c_str(), "%llx %llx", &vstart, &vend), 2);
		EXPECT_EQ(vstart, start + i * (16u << 10));
		EXPECT_EQ(vend - vstart + 1, 16u << 10);
	}
}

TEST_F(SysfsSriov, VfsAreCapturedByVfioPci)
{
	make_vfs(2);
	const std::string vf = "/sys/bus/pci/devices/" + kVf0Bdf + "/";
	EXPECT_EQ(read(vf + "driver_override"), "vfio-pci\n");
	EXPECT_EQ(link(vf + "driver"), "../../../bus/pci/drivers/vfio-pci");
	EXPECT_TRUE(exists(vf + "vfio-dev"));
}

TEST_F(SysfsSriov, DriverOverrideBindsVfsEvenWithoutAutoprobe)
{
	enable_sriov();
	ASSERT_EQ(write(kPfDir + "sriov_drivers_autoprobe", "0"), 1);
	EXPECT_EQ(read(kPfDir + "sriov_drivers_autoprobe"), "0\n");
	ASSERT_EQ(write(kPfDir + "sriov_numvfs", "1"), 1);
	EXPECT_EQ(link("/sys/bus/pci/devices/" + kVf0Bdf + "/driver"), "../../../bus/pci/drivers/vfio-pci");
}

TEST_F(SysfsSriov, DriversAutoprobeTakesABool)
{
	EXPECT_EQ(write(kPfDir + "sriov_drivers_autoprobe", "maybe"), -EINVAL);
	EXPECT_EQ(write(kPfDir + "sriov_drivers_autoprobe", "n"), 1);
	EXPECT_EQ(read(kPfDir + "sriov_drivers_autoprobe"), "0\n");
	EXPECT_EQ(write(kPfDir + "sriov_drivers_autoprobe", "on"), 2);
	EXPECT_EQ(read(kPfDir + "sriov_drivers_autoprobe"), "1\n");
}

TEST_F(SysfsSriov, EachVfHasItsOwnGroupAndNodes)
{
	make_vfs(2);
	unsigned pf = group_of(kPfBdf), vf0 = group_of(kVf0Bdf), vf1 = group_of(kVf1Bdf);
	EXPECT_EQ(pf, 3u);
	EXPECT_NE(vf0, 0u);
	EXPECT_NE(vf0, pf);
	EXPECT_NE(vf1, vf0);
	EXPECT_NE(vf1, pf);
	EXPECT_GE(open_node("/dev/vfio/" + std::to_string(vf0)), 0);
	EXPECT_GE(open_node("/dev/vfio/devices/vfio1"), 0);
	EXPECT_GE(open_node("/dev/vfio/devices/vfio2"), 0);
}

TEST_F(SysfsSriov, ZeroRemovesTheVfs)
{
	make_vfs(2);
	unsigned vf0 = group_of(kVf0Bdf);
	ASSERT_EQ(write(kPfDir + "sriov_numvfs", "0"), 1);
	EXPECT_EQ(read(kPfDir + "sriov_numvfs"), "0\n");
	EXPECT_EQ(kernel_->devices(), std::vector<std::string>{kPfBdf});
	EXPECT_FALSE(exists(kPfDir + "virtfn0"));
	EXPECT_FALSE(exists("/sys/bus/pci/devices/" + kVf0Bdf));
	EXPECT_FALSE(exists("/sys/devices/pci0000:00/" + kVf0Bdf));
	EXPECT_FALSE(exists("/sys/kernel/iommu_groups/" + std::to_string(vf0)));
	EXPECT_EQ(open_node("/dev/vfio/" + std::to_string(vf0)), -ENOENT);
}

TEST_F(SysfsSriov, VfsComeBackAfterRemoval)
{
	make_vfs(2);
	ASSERT_EQ(write(kPfDir + "sriov_numvfs", "0"), 1);
	ASSERT_EQ(write(kPfDir + "sriov_numvfs", "3"), 1);
	EXPECT_EQ(read(kPfDir + "sriov_numvfs"), "3\n");
	EXPECT_EQ(link(kPfDir + "virtfn2"), "../0000:00:03.3");
}

TEST_F(SysfsSriov, AnotherDeviceAtAVfAddressIsEexist)
{
	add("edu", "0000:00:03.2", 2);
	enable_sriov();
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", "2"), -EEXIST);
	EXPECT_EQ(read(kPfDir + "sriov_numvfs"), "0\n");
	EXPECT_EQ(kernel_->devices(), (std::vector<std::string>{kPfBdf, "0000:00:03.2"}));
	EXPECT_EQ(write(kPfDir + "sriov_numvfs", "1"), 1);
}

TEST_F(SysfsSriov, RemovalWaitsForAnOpenVfAskingThroughReq)
{
	make_vfs(1);
	int group = open_group(kVf0Bdf);
	/* The PF set no token yet, but vfio-pci holds the PF: a VF needs it. */
	EXPECT_EQ(get_device(group, kVf0Bdf), -EACCES);
	long dev = get_device(group, kVf0Bdf + " vf_token=00000000-0000-0000-0000-000000000000");
	ASSERT_EQ(dev, -EACCES);
	/* Set a token on the PF, then open the VF with it. */
	int pf_group = open_group(kPfBdf);
	ASSERT_GE(get_device(pf_group, kPfBdf + " vf_token=2ab74924-c335-45f4-9b16-8569e5b08258"), 0);
	dev = get_device(group, kVf0Bdf + " vf_token=2ab74924-c335-45f4-9b16-8569e5b08258");
	ASSERT_GE(dev, 0);
	int req = ::eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(req, 0);
	alignas(vfio_irq_set) uint8_t buf[sizeof(vfio_irq_set) + sizeof(int32_t)];
	std::memset(buf, 0, sizeof(buf));
	auto *set = reinterpret_cast<vfio_irq_set *>(buf);
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_REQ_IRQ_INDEX;
	set->count = 1;
	std::memcpy(set->data, &req, sizeof(req));
	ASSERT_EQ(ioctl(static_cast<int>(dev), VFIO_DEVICE_SET_IRQS, buf), 0);

	long result = 0;
	std::thread remover([&] { result = write(kPfDir + "sriov_numvfs", "0"); });
	pollfd p{req, POLLIN, 0};
	ASSERT_EQ(::poll(&p, 1, 5000), 1) << "no device request";
	EXPECT_EQ(kernel_->devices().size(), 2u);
	close_fd(static_cast<int>(dev));
	remover.join();
	::close(req);
	EXPECT_EQ(result, 1);
	EXPECT_EQ(kernel_->devices(), std::vector<std::string>{kPfBdf});
}

TEST_F(SysfsSriov, UnbindingThePfRemovesItsVfsFirst)
{
	make_vfs(2);
	ASSERT_EQ(write("/sys/bus/pci/drivers/vfio-pci/unbind", kPfBdf), static_cast<long>(kPfBdf.size()));
	EXPECT_EQ(kernel_->devices(), std::vector<std::string>{kPfBdf});
	EXPECT_EQ(read(kPfDir + "sriov_numvfs"), "0\n");
	EXPECT_FALSE(exists(kPfDir + "virtfn0"));
}

/* --- through vfio-pci's config region --- */

uint32_t cfg_read(Kernel &k, int dev, uint32_t off, unsigned width)
{
	uint32_t v = 0;
	EXPECT_EQ(k.pread(dev, &v, width, static_cast<off_t>(kConfigRegion + off)), static_cast<long>(width));
	return v;
}

TEST_F(SysfsSriov, PfCapabilityThroughVfioIsReadOnly)
{
	make_vfs(2);
	int group = open_group(kPfBdf);
	long pf = get_device(group, kPfBdf);
	ASSERT_GE(pf, 0);
	int fd = static_cast<int>(pf);
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x100, 4) & 0xffff, 0x10u);
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x100 + 0x0e, 2), 4u);   /* TotalVFs */
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x100 + 0x10, 2), 2u);   /* NumVFs, as the PCI core set it */
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x100 + 0x08, 2) & 0x9, 0x9u);  /* VF Enable, VF MSE */
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x100 + 0x1a, 2), 0x11u); /* VF device ID */
	uint16_t zero = 0;
	EXPECT_EQ(kernel_->pwrite(fd, &zero, 2, static_cast<off_t>(kConfigRegion + 0x110)), 2);
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x100 + 0x10, 2), 2u);
	EXPECT_EQ(kernel_->pwrite(fd, &zero, 2, static_cast<off_t>(kConfigRegion + 0x108)), 2);
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x100 + 0x08, 2) & 0x9, 0x9u);
}

TEST_F(SysfsSriov, VfConfigAsVfioGivesIt)
{
	make_vfs(1);
	int pf_group = open_group(kPfBdf);
	ASSERT_GE(get_device(pf_group, kPfBdf + " vf_token=2ab74924-c335-45f4-9b16-8569e5b08258"), 0);
	int group = open_group(kVf0Bdf);
	long vf = get_device(group, kVf0Bdf + " vf_token=2ab74924-c335-45f4-9b16-8569e5b08258");
	ASSERT_GE(vf, 0);
	int fd = static_cast<int>(vf);
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x00, 2), 0x1b36u);
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x02, 2), 0x0011u);
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x04, 2) & 0x2, 0x2u);  /* memory enable, virtual */
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x3d, 1), 0u);          /* no pin */
	vfio_irq_info intx{};
	intx.argsz = sizeof(intx);
	intx.index = VFIO_PCI_INTX_IRQ_INDEX;
	ASSERT_EQ(ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, &intx), 0);
	EXPECT_EQ(intx.count, 0u);
	vfio_region_info bar0{};
	bar0.argsz = sizeof(bar0);
	bar0.index = VFIO_PCI_BAR0_REGION_INDEX;
	ASSERT_EQ(ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &bar0), 0);
	EXPECT_EQ(bar0.size, 16u << 10);
	/* The BAR works although the VF's own command register has no
	 * memory enable (no_command_memory). */
	uint32_t v = 0x12345678, back = 0;
	EXPECT_EQ(kernel_->pwrite(fd, &v, 4, 0), 4);
	EXPECT_EQ(kernel_->pread(fd, &back, 4, 0), 4);
	EXPECT_EQ(back, v);
}

/* A VF's own BAR registers are read-only zero (the addresses live in the
 * PF's capability), so vfio-pci's virtual BARs start as the resource's
 * flags only: on 6.12 a VF's BAR0 read 0x4 and BAR1 0. The address stays
 * the kernel's: the resource line and a mapping reach the VF's slice. */
TEST_F(SysfsSriov, VfBarRegistersReadZero)
{
	make_vfs(2);
	const std::string vf_dir = "/sys/bus/pci/devices/" + kVf0Bdf + "/";
	std::string config = read(vf_dir + "config");
	ASSERT_GE(config.size(), 0x28u);
	for (unsigned at = 0x10; at < 0x28; at++)
		EXPECT_EQ(static_cast<uint8_t>(config[at]), 0u) << "config byte " << at;
	EXPECT_NE(lines_of(read(vf_dir + "resource"))[0].substr(0, 18), "0x0000000000000000");

	ASSERT_GE(get_device(open_group(kPfBdf), kPfBdf + " vf_token=2ab74924-c335-45f4-9b16-8569e5b08258"), 0);
	int fds[2];
	for (unsigned i = 0; i < 2; i++) {
		const std::string bdf = i ? kVf1Bdf : kVf0Bdf;
		long vf = get_device(open_group(bdf), bdf + " vf_token=2ab74924-c335-45f4-9b16-8569e5b08258");
		ASSERT_GE(vf, 0);
		fds[i] = static_cast<int>(vf);
	}
	const int fd = fds[0];
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x10, 4), 0x4u);  /* 64-bit memory, no address */
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x14, 4), 0u);
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x18, 4), 0u);
	/* Sizing still works on the virtual BAR. */
	const uint32_t ones = 0xffffffff;
	ASSERT_EQ(kernel_->pwrite(fd, &ones, 4, static_cast<off_t>(kConfigRegion + 0x10)), 4);
	ASSERT_EQ(kernel_->pwrite(fd, &ones, 4, static_cast<off_t>(kConfigRegion + 0x14)), 4);
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x10, 4), 0xffffc004u);
	EXPECT_EQ(cfg_read(*kernel_, fd, 0x14, 4), 0xffffffffu);

	/* Each VF's mapping reaches its own memory. */
	uint32_t *maps[2];
	for (unsigned i = 0; i < 2; i++) {
		long bar = kernel_->mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
		ASSERT_GT(bar, 0);
		maps[i] = reinterpret_cast<uint32_t *>(bar);
		maps[i][1] = 0xa0 + i;
	}
	for (unsigned i = 0; i < 2; i++) {
		uint32_t back = 0;
		EXPECT_EQ(kernel_->pread(fds[i], &back, 4, 4), 4);
		EXPECT_EQ(back, 0xa0u + i);
		kernel_->munmap(maps[i], 4096);
	}
}

/* vfio_pci_set_power_state(): a PF with VFs enabled stays in D0. */
class SysfsSriovPm : public SriovTest
{
protected:
	void SetUp() override
	{
		std::string toml = kPfToml;
		toml.insert(toml.find("[express]"), "[pm]\nno_soft_reset = true\n");
		add_pf(ProfileId::SeriesV4, toml);
	}
	std::string power_state()
	{
		kernel_->sysfs_root();  /* brings the view up to date */
		return read(kPfDir + "power_state");
	}
};

TEST_F(SysfsSriovPm, PfWithVfsStaysInD0)
{
	make_vfs(1);
	int group = open_group(kPfBdf);
	long pf = get_device(group, kPfBdf);
	ASSERT_GE(pf, 0);
	/* PM is the first capability, at 0x40; PM_CTRL at 0x44. */
	uint16_t d3 = 3;
	EXPECT_EQ(kernel_->pwrite(static_cast<int>(pf), &d3, 2, static_cast<off_t>(kConfigRegion + 0x44)), 2);
	EXPECT_EQ(power_state(), "D0\n");
	ASSERT_EQ(write(kPfDir + "sriov_numvfs", "0"), 1);
	EXPECT_EQ(kernel_->pwrite(static_cast<int>(pf), &d3, 2, static_cast<off_t>(kConfigRegion + 0x44)), 2);
	EXPECT_EQ(power_state(), "D3hot\n");
}

class SysfsSriovMsix : public SriovTest
{
protected:
	void SetUp() override
	{
		add_pf(ProfileId::SeriesV4, std::string(kPfToml) +
						    "[sriov.msix]\nvectors = 4\ntable_bar = 0\npba_bar = 0\n"
						    "pba_offset = 0x1000\n");
	}
};

TEST_F(SysfsSriovMsix, VfHasItsMsixVectors)
{
	make_vfs(1);
	int pf_group = open_group(kPfBdf);
	ASSERT_GE(get_device(pf_group, kPfBdf + " vf_token=2ab74924-c335-45f4-9b16-8569e5b08258"), 0);
	int group = open_group(kVf0Bdf);
	long vf = get_device(group, kVf0Bdf + " vf_token=2ab74924-c335-45f4-9b16-8569e5b08258");
	ASSERT_GE(vf, 0);
	vfio_irq_info msix{};
	msix.argsz = sizeof(msix);
	msix.index = VFIO_PCI_MSIX_IRQ_INDEX;
	ASSERT_EQ(ioctl(static_cast<int>(vf), VFIO_DEVICE_GET_IRQ_INFO, &msix), 0);
	EXPECT_EQ(msix.count, 4u);
}

} /* namespace */
} /* namespace softvfio::test */
