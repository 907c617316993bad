/* SPDX-License-Identifier: MIT */
/*
 * The sysfs view: file formats byte for byte (docs/semantics-client.md §2.1,
 * §2.2, the observed resource line of §8.2), links, and the control files
 * (driver_override, unbind, drivers_probe, bind, new_id, remove_id).
 */
#include <climits>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "access/access_fixture.h"

namespace softvfio::test {
namespace {

const std::string kDev = "/sys/bus/pci/devices/0000:00:01.0/";

class Sysfs : public AccessTest
{
protected:
	void SetUp() override
	{
		add_guest_devices();
		root_ = kernel_->sysfs_root();
		ASSERT_FALSE(root_.empty());
	}
	/* A /sys path's contents, read from the tree. */
	std::string read(const std::string &sys_path)
	{
		std::ifstream in(root_ + sys_path.substr(4));
		std::stringstream ss;
		ss << in.rdbuf();
		return ss.str();
	}
	bool exists(const std::string &sys_path)
	{
		struct stat st;
		return ::lstat((root_ + sys_path.substr(4)).c_str(), &st) == 0;
	}
	std::string link(const std::string &sys_path)
	{
		char buf[PATH_MAX];
		ssize_t n = ::readlink((root_ + sys_path.substr(4)).c_str(), buf, sizeof(buf));
		return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
	}
	long write(const std::string &sys_path, const std::string &text)
	{
		return kernel_->sysfs_write(sys_path, text.data(), text.size());
	}
	std::string root_;
};

TEST_F(Sysfs, RootIsARealDirectoryRemovedWithTheKernel)
{
	struct stat st;
	ASSERT_EQ(::stat(root_.c_str(), &st), 0);
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(kernel_->sysfs_root(), root_);
	kernel_.reset();
	EXPECT_NE(::stat(root_.c_str(), &st), 0);
	kernel_ = std::make_unique<Kernel>();
}

TEST_F(Sysfs, DeviceDirectoryIsALink)
{
	EXPECT_EQ(link("/sys/bus/pci/devices/0000:00:01.0"), "../../../devices/pci0000:00/0000:00:01.0");
	char real[PATH_MAX];
	ASSERT_TRUE(::realpath((root_ + "/bus/pci/devices/0000:00:02.0").c_str(), real));
	EXPECT_EQ(std::string(real), root_ + "/devices/pci0000:00/0000:00:02.0");
}

TEST_F(Sysfs, IdentityAttributes)
{
	EXPECT_EQ(read(kDev + "vendor"), "0x1af4\n");
	EXPECT_EQ(read(kDev + "device"), "0x1110\n");
	EXPECT_EQ(read(kDev + "subsystem_vendor"), "0x1af4\n");
	EXPECT_EQ(read(kDev + "subsystem_device"), "0x1100\n");
	EXPECT_EQ(read(kDev + "class"), "0x050000\n");
	EXPECT_EQ(read(kDev + "revision"), "0x01\n");
	EXPECT_EQ(read("/sys/bus/pci/devices/0000:00:02.0/class"), "0x00ff00\n");
	EXPECT_EQ(read("/sys/bus/pci/devices/0000:00:02.0/revision"), "0x10\n");
}

/* 13 lines; BAR2 as observed on 6.12. */
TEST_F(Sysfs, ResourceLines)
{
	std::string r = read(kDev + "resource");
	std::vector<std::string> lines;
	std::stringstream ss(r);
	for (std::string l; std::getline(ss, l);)
		lines.push_back(l);
	ASSERT_EQ(lines.size(), 13u);
	EXPECT_EQ(lines[0], "0x00000000fea01000 0x00000000fea010ff 0x0000000000040200");
	EXPECT_EQ(lines[1], "0x0000000000000000 0x0000000000000000 0x0000000000000000");
	EXPECT_EQ(lines[2], "0x00000000feb00000 0x00000000febfffff 0x000000000014220c");
	EXPECT_EQ(lines[3], "0x0000000000000000 0x0000000000000000 0x0000000000000000");
	EXPECT_EQ(lines[12], "0x0000000000000000 0x0000000000000000 0x0000000000000000");
}

TEST_F(Sysfs, ResourceFilesForUsedBars)
{
	struct stat st;
	ASSERT_EQ(::stat((root_ + "/devices/pci0000:00/0000:00:01.0/resource2").c_str(), &st), 0);
	EXPECT_EQ(st.st_size, 0x100000);
	EXPECT_TRUE(exists(kDev + "resource0"));
	EXPECT_TRUE(exists(kDev + "resource2_wc"));
	EXPECT_FALSE(exists(kDev + "resource0_wc"));
	EXPECT_FALSE(exists(kDev + "resource1"));
}

/* The function's own config space, 256 bytes for conventional PCI. */
TEST_F(Sysfs, ConfigIsTheConfigSpace)
{
	std::string c = read(kDev + "config");
	ASSERT_EQ(c.size(), 256u);
	EXPECT_EQ(static_cast<uint8_t>(c[0]), 0xf4);
	EXPECT_EQ(static_cast<uint8_t>(c[1]), 0x1a);
	EXPECT_EQ(static_cast<uint8_t>(c[2]), 0x10);
	EXPECT_EQ(static_cast<uint8_t>(c[3]), 0x11);
}

TEST_F(Sysfs, SmallAttributes)
{
	EXPECT_EQ(read(kDev + "irq"), "0\n");
	EXPECT_EQ(read("/sys/bus/pci/devices/0000:00:02.0/irq"), "11\n");
	EXPECT_EQ(read(kDev + "numa_node"), "-1\n");
	EXPECT_EQ(read(kDev + "enable"), "0\n");
	EXPECT_EQ(read(kDev + "driver_override"), "(null)\n");
	EXPECT_EQ(read(kDev + "power_state"), "D0\n");
	EXPECT_EQ(read(kDev + "local_cpulist").back(), '\n');
	EXPECT_EQ(read(kDev + "local_cpus").back(), '\n');
	EXPECT_FALSE(exists(kDev + "reset_method"));
	EXPECT_EQ(read(kDev + "power/control"), "auto\n");
	EXPECT_EQ(read(kDev + "power/runtime_status"), "active\n");
}

TEST_F(Sysfs, ModaliasAndUevent)
{
	const std::string alias = "pci:v00001AF4d00001110sv00001AF4sd00001100bc05sc00i00";
	EXPECT_EQ(read(kDev + "modalias"), alias + "\n");
	EXPECT_EQ(read(kDev + "uevent"), "DRIVER=vfio-pci\nPCI_CLASS=50000\nPCI_ID=1AF4:1110\n"
					 "PCI_SUBSYS_ID=1AF4:1100\nPCI_SLOT_NAME=0000:00:01.0\nMODALIAS=" +
						 alias + "\n");
}

TEST_F(Sysfs, DriverAndGroupLinks)
{
	EXPECT_EQ(link(kDev + "driver"), "../../../bus/pci/drivers/vfio-pci");
	EXPECT_EQ(link(kDev + "iommu_group"), "../../../kernel/iommu_groups/1");
	EXPECT_EQ(link("/sys/bus/pci/drivers/vfio-pci/0000:00:01.0"), "../../../../devices/pci0000:00/0000:00:01.0");
	EXPECT_EQ(link("/sys/bus/pci/drivers/vfio-pci/module"), "../../../../module/vfio_pci");
	EXPECT_EQ(link("/sys/kernel/iommu_groups/2/devices/0000:00:02.0"),
		  "../../../../devices/pci0000:00/0000:00:02.0");
}

TEST_F(Sysfs, IommuGroupFiles)
{
	EXPECT_EQ(read("/sys/kernel/iommu_groups/1/type"), "DMA-FQ\n");
	EXPECT_EQ(read("/sys/kernel/iommu_groups/1/reserved_regions"), "0x00000000fee00000 0x00000000feefffff msi\n");
}

TEST_F(Sysfs, VfioDevClassDevice)
{
	EXPECT_EQ(read(kDev + "vfio-dev/vfio0/dev"), "243:0\n");
	EXPECT_EQ(read(kDev + "vfio-dev/vfio0/uevent"), "MAJOR=243\nMINOR=0\nDEVNAME=vfio/devices/vfio0\n");
	EXPECT_EQ(link("/sys/class/vfio-dev/vfio1"), "../../devices/pci0000:00/0000:00:02.0/vfio-dev/vfio1");
	EXPECT_EQ(link("/sys/dev/char/243:1"), "../../devices/pci0000:00/0000:00:02.0/vfio-dev/vfio1");
}

TEST_F(Sysfs, GroupAndMiscClassDevices)
{
	EXPECT_EQ(read("/sys/devices/virtual/vfio/2/dev"), "244:1\n");
	EXPECT_EQ(read("/sys/devices/virtual/vfio/2/uevent"), "MAJOR=244\nMINOR=1\nDEVNAME=vfio/2\n");
	EXPECT_EQ(link("/sys/dev/char/244:0"), "../../devices/virtual/vfio/1");
	EXPECT_EQ(read("/sys/devices/virtual/misc/vfio/dev"), "10:196\n");
	EXPECT_EQ(link("/sys/dev/char/10:196"), "../../devices/virtual/misc/vfio");
}

TEST_F(Sysfs, ModuleParameters)
{
	EXPECT_EQ(read("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit"), "65535\n");
	EXPECT_EQ(read("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"), "N\n");
	EXPECT_EQ(read("/sys/module/vfio_iommu_type1/parameters/disable_hugepages"), "N\n");
	EXPECT_EQ(read("/sys/module/vfio_pci/parameters/disable_idle_d3"), "N\n");
	EXPECT_FALSE(exists("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"));
	EXPECT_TRUE(exists("/sys/module/iommufd"));
}

TEST_F(Sysfs, ParameterWrites)
{
	EXPECT_EQ(write("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit", "100\n"), 4);
	EXPECT_EQ(read("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit"), "100\n");
	EXPECT_EQ(write("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit", "x"), -EINVAL);
	EXPECT_EQ(write("/sys/module/vfio_pci/parameters/disable_idle_d3", "Y"), 1);
	EXPECT_EQ(read("/sys/module/vfio_pci/parameters/disable_idle_d3"), "Y\n");
	EXPECT_EQ(write("/sys/module/vfio_pci/parameters/disable_vga", "Y"), -EACCES);
}

TEST_F(Sysfs, WriteRows)
{
	EXPECT_EQ(write(kDev + "vendor", "1"), -EACCES);
	EXPECT_EQ(write("/sys/bus/pci/devices", "1"), -EISDIR);
	EXPECT_EQ(write(kDev + "nonexistent", "1"), -ENOENT);
	EXPECT_EQ(write("/sys/bus/pci/rescan", "1\n"), 2);
	EXPECT_EQ(write("/sys/bus/pci/rescan", "x"), -EINVAL);
}

/* sysfs_kf_write(): a write of no bytes is 0 and no store sees it, for
 * every kind of attribute; the open's own errors stay. */
TEST_F(Sysfs, AnEmptyWriteNeverReachesTheStore)
{
	ASSERT_EQ(write(kDev + "driver_override", "vfio-pci"), 8);
	EXPECT_EQ(write(kDev + "driver_override", ""), 0);
	EXPECT_EQ(read(kDev + "driver_override"), "vfio-pci\n");
	EXPECT_EQ(write(kDev + "power/control", ""), 0);
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/unbind", ""), 0);
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/bind", ""), 0);
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/new_id", ""), 0);
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/remove_id", ""), 0);
	EXPECT_EQ(write("/sys/bus/pci/drivers_probe", ""), 0);
	EXPECT_EQ(write("/sys/bus/pci/rescan", ""), 0);
	EXPECT_TRUE(exists(kDev + "driver"));
	EXPECT_EQ(write("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit", ""), 0);
	EXPECT_EQ(read("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit"), "65535\n");
	EXPECT_EQ(write("/sys/module/vfio_pci/parameters/disable_idle_d3", ""), 0);
	EXPECT_EQ(read("/sys/module/vfio_pci/parameters/disable_idle_d3"), "N\n");
	EXPECT_EQ(write(kDev + "vendor", ""), -EACCES);
	EXPECT_EQ(write("/sys/bus/pci/devices", ""), -EISDIR);
	EXPECT_EQ(write(kDev + "nonexistent", ""), -ENOENT);
}

/* A refresh of the view rewrites only the files whose bytes or mode
 * changed (every rewrite is a rename, milliseconds on some file systems). */
TEST_F(Sysfs, ARefreshRewritesOnlyWhatChanged)
{
	const std::string vendor = root_ + kDev.substr(4) + "vendor";
	struct stat before {}, after {};
	ASSERT_EQ(::stat(vendor.c_str(), &before), 0);
	ASSERT_FALSE(kernel_->sysfs_root().empty());
	ASSERT_EQ(::stat(vendor.c_str(), &after), 0);
	EXPECT_EQ(before.st_ino, after.st_ino);
	EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	EXPECT_EQ(read(kDev + "vendor"), "0x1af4\n");
	ASSERT_EQ(write(kDev + "driver_override", "vfio-pci"), 8);
	ASSERT_FALSE(kernel_->sysfs_root().empty());
	EXPECT_EQ(read(kDev + "driver_override"), "vfio-pci\n");
	ASSERT_EQ(write(kDev + "driver_override", "\n"), 1);
	EXPECT_EQ(read(kDev + "driver_override"), "(null)\n");
}

/* --- binding --- */

TEST_F(Sysfs, UnbindTakesNodesAway)
{
	ASSERT_EQ(write(kDev + "driver/unbind", "0000:00:01.0\n"), 13);
	EXPECT_EQ(open_node("/dev/vfio/1"), -ENOENT);
	EXPECT_EQ(open_node("/dev/vfio/devices/vfio0"), -ENOENT);
	EXPECT_EQ(kernel_->open_device(kIvshmem), -ENODEV);
	EXPECT_FALSE(exists(kDev + "driver"));
	EXPECT_FALSE(exists(kDev + "vfio-dev"));
	EXPECT_FALSE(exists("/sys/bus/pci/drivers/vfio-pci/0000:00:01.0"));
	EXPECT_FALSE(exists("/sys/devices/virtual/vfio/1"));
	EXPECT_TRUE(exists(kDev + "iommu_group"));
	EXPECT_EQ(read(kDev + "uevent").substr(0, 10), "PCI_CLASS=");
	/* vfio-pci forbids runtime PM again when it lets go. */
	EXPECT_EQ(read(kDev + "power/control"), "on\n");
	EXPECT_EQ(kernel_->list_nodes("/dev/vfio/devices"), (std::vector<std::string>{"vfio1"}));
}

TEST_F(Sysfs, UnbindRows)
{
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/unbind", "0000:00:09.0"), -ENODEV);
	ASSERT_EQ(write("/sys/bus/pci/drivers/vfio-pci/unbind", kIvshmem), 12);
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/unbind", kIvshmem), -ENODEV);
}

/* The ordinary setup sequence: unbind, driver_override, drivers_probe. */
TEST_F(Sysfs, OverrideThenProbeBinds)
{
	ASSERT_EQ(write(kDev + "driver/unbind", kIvshmem), 12);
	EXPECT_EQ(write("/sys/bus/pci/drivers_probe", kIvshmem), 12);
	EXPECT_EQ(open_node("/dev/vfio/1"), -ENOENT);
	EXPECT_EQ(write(kDev + "driver_override", "vfio-pci\n"), 9);
	EXPECT_EQ(read(kDev + "driver_override"), "vfio-pci\n");
	EXPECT_EQ(write("/sys/bus/pci/drivers_probe", std::string(kIvshmem) + "\n"), 13);
	EXPECT_GE(open_node("/dev/vfio/1"), 0);
	EXPECT_EQ(link(kDev + "driver"), "../../../bus/pci/drivers/vfio-pci");
	EXPECT_EQ(write(kDev + "driver_override", "\n"), 1);
	EXPECT_EQ(read(kDev + "driver_override"), "(null)\n");
}

TEST_F(Sysfs, BindNeedsAMatch)
{
	ASSERT_EQ(write(kDev + "driver/unbind", kIvshmem), 12);
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/bind", kIvshmem), -ENODEV);
	ASSERT_EQ(write(kDev + "driver_override", "vfio-pci"), 8);
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/bind", kIvshmem), 12);
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/bind", kIvshmem), -EBUSY);
	EXPECT_EQ(write("/sys/bus/pci/drivers_probe", "0000:00:09.0"), -ENODEV);
}

/* An override naming another driver keeps vfio-pci away. */
TEST_F(Sysfs, OtherOverrideDoesNotMatch)
{
	ASSERT_EQ(write(kDev + "driver/unbind", kIvshmem), 12);
	ASSERT_EQ(write(kDev + "driver_override", "pci-stub"), 8);
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/bind", kIvshmem), -ENODEV);
}

TEST_F(Sysfs, NewIdBindsAndRemoveId)
{
	ASSERT_EQ(write(kDev + "driver/unbind", kIvshmem), 12);
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/new_id", "1af4"), -EINVAL);
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/new_id", "1af4 1110\n"), 10);
	EXPECT_GE(open_node("/dev/vfio/1"), 0);
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/new_id", "1af4 1110\n"), -EEXIST);
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/new_id", "1234 5678 ffffffff ffffffff 0 0 1"), -EINVAL);
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/remove_id", "1af4 1110"), 9);
	EXPECT_EQ(write("/sys/bus/pci/drivers/vfio-pci/remove_id", "1af4 1110"), -ENODEV);
}

/* An open group of an unbound device is gone: its ioctls are ENODEV. */
TEST_F(Sysfs, UnbindKillsOpenGroup)
{
	int g = must_open("/dev/vfio/1");
	ASSERT_EQ(write("/sys/bus/pci/drivers/vfio-pci/unbind", kIvshmem), 12);
	vfio_group_status st{};
	st.argsz = sizeof(st);
	EXPECT_EQ(ioctl(g, VFIO_GROUP_GET_STATUS, &st), -ENODEV);
	int c = must_open("/dev/vfio/vfio");
	EXPECT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), -ENODEV);
	EXPECT_EQ(ioctl(g, VFIO_GROUP_GET_DEVICE_FD, kIvshmem), -ENODEV);
}

/* A device added later shows up at once. */
TEST_F(Sysfs, NewDeviceAppears)
{
	add("edu", "0000:00:03.0", 3);
	EXPECT_EQ(read("/sys/bus/pci/devices/0000:00:03.0/vendor"), "0x1234\n");
	EXPECT_EQ(link("/sys/bus/pci/devices/0000:00:03.0/iommu_group"), "../../../kernel/iommu_groups/3");
}

} /* namespace */
} /* namespace softvfio::test */
