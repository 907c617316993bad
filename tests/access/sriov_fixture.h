/* SPDX-License-Identifier: MIT */
/*
 * SriovTest: a Kernel with one SR-IOV physical function (an NVMe-like
 * 1b36:0010 with up to four 1b36:0011 VFs, offset 1, stride 1) at
 * 0000:00:03.0 in group 3, its sysfs view, and the steps programs take to
 * get VFs: enable_sriov, then sriov_numvfs.
 */
#pragma once

#include <climits>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <variant>

#include "access/access_fixture.h"

namespace softvfio::test {

inline const std::string kPfBdf = "0000:00:03.0";
inline const std::string kVf0Bdf = "0000:00:03.1";
inline const std::string kVf1Bdf = "0000:00:03.2";
inline const std::string kPfDir = "/sys/bus/pci/devices/0000:00:03.0/";

inline const char *const kPfToml = R"(
name = "sriov-pf"
vendor_id = 0x1b36
device_id = 0x0010
class_code = 0x010802
[express]
flr = true
[[bar]]
index = 0
kind = "mem64"
size = "16KiB"
[sriov]
total_vfs = 4
vf_device_id = 0x0011
first_vf_offset = 1
vf_stride = 1
[[sriov.bar]]
index = 0
kind = "mem64"
size = "16KiB"
)";

class SriovTest : public AccessTest
{
protected:
	void SetUp() override { add_pf(); }
	void add_pf(ProfileId profile = ProfileId::SeriesV4, const std::string &toml = kPfToml)
	{
		auto parsed = parse_device_description(toml, "sriov-pf.toml");
		ASSERT_TRUE(std::holds_alternative<DeviceDescription>(parsed))
			<< std::get<DescriptionError>(parsed).message();
		DeviceOptions options;
		options.bdf = kPfBdf;
		options.iommu_group = 3;
		options.profile = profile;
		ASSERT_TRUE(kernel_->add_device(std::get<DeviceDescription>(parsed), options));
		root_ = kernel_->sysfs_root();
		ASSERT_FALSE(root_.empty());
	}
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
	mode_t mode(const std::string &sys_path)
	{
		struct stat st;
		return ::lstat((root_ + sys_path.substr(4)).c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
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
	void enable_sriov() { ASSERT_EQ(write("/sys/module/vfio_pci/parameters/enable_sriov", "Y"), 1); }
	/* enable_sriov, then `n` VFs. */
	void make_vfs(unsigned n)
	{
		enable_sriov();
		std::string count = std::to_string(n);
		ASSERT_EQ(write(kPfDir + "sriov_numvfs", count), static_cast<long>(count.size()));
	}
	/* The IOMMU group number of a device, from its iommu_group link. */
	unsigned group_of(const std::string &bdf)
	{
		std::string target = link("/sys/bus/pci/devices/" + bdf + "/iommu_group");
		return target.empty() ? 0 : static_cast<unsigned>(std::stoul(target.substr(target.rfind('/') + 1)));
	}
	/* A device's group, opened and set to a new type1v2 container. */
	int open_group(const std::string &bdf)
	{
		int container = must_open("/dev/vfio/vfio");
		int group = must_open("/dev/vfio/" + std::to_string(group_of(bdf)));
		EXPECT_EQ(ioctl(group, VFIO_GROUP_SET_CONTAINER, &container), 0);
		EXPECT_EQ(ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
		return group;
	}
	/* VFIO_GROUP_GET_DEVICE_FD with `name`: the fd (closed at teardown),
	 * or -errno. */
	long get_device(int group, const std::string &name)
	{
		long fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, name.c_str());
		if (fd >= 0)
			fds_.push_back(static_cast<int>(fd));
		return fd;
	}
	std::string root_;
};

} /* namespace softvfio::test */
