/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>

#include <softvfio/device_description.h>

#include "shim/config.h"

namespace softvfio::shim {
namespace {

TEST(Config, DeviceSpecs)
{
	auto spec = std::get<DeviceSpec>(parse_device_spec("nic"));
	EXPECT_EQ(spec, (DeviceSpec{"nic", ""}));
	spec = std::get<DeviceSpec>(parse_device_spec("/tmp/my@dev.toml@5F00:00:07.1"));
	EXPECT_EQ(spec, (DeviceSpec{"/tmp/my@dev.toml", "5f00:00:07.1"}));
	for (const char *bad : {"nic@", "nic@0000:00:20.0", "nic@0000:00:01.8", "@0000:00:01.0", "a,b", "nic@00:01.0"})
		EXPECT_TRUE(std::holds_alternative<ConfigError>(parse_device_spec(bad))) << bad;
}

TEST(Config, AccessPaths)
{
	auto a = std::get<AccessPaths>(parse_access("group,noiommu"));
	EXPECT_TRUE(a.group);
	EXPECT_TRUE(a.noiommu);
	EXPECT_FALSE(a.cdev);
	EXPECT_FALSE(a.iommufd);
	EXPECT_EQ(format_access(a), "group,noiommu");
	for (const char *bad : {"", "group,group", "usb", "group,"})
		EXPECT_TRUE(std::holds_alternative<ConfigError>(parse_access(bad))) << bad;
}

TEST(Config, Environment)
{
	auto c = std::get<ShimConfig>(parse_config(nullptr, nullptr, nullptr, nullptr));
	ASSERT_EQ(c.devices.size(), 1u);
	EXPECT_EQ(c.devices[0].source, default_preset_name());
	EXPECT_EQ(c.profile, ProfileId::SeriesV4);
	EXPECT_FALSE(c.access);
	EXPECT_FALSE(c.domain);

	c = std::get<ShimConfig>(parse_config("", "linux-6.12", "cdev,iommufd", "1234"));
	EXPECT_TRUE(c.devices.empty());
	EXPECT_EQ(c.profile, ProfileId::Linux612);
	EXPECT_TRUE(c.access && !c.access->group && c.access->cdev);
	EXPECT_EQ(c.domain, 0x1234);

	c = std::get<ShimConfig>(parse_config("nic,edu@0000:00:05.0", nullptr, nullptr, "5f"));
	EXPECT_EQ(format_device_specs(c.devices), "nic,edu@0000:00:05.0");
	EXPECT_EQ(c.domain, 0x5f);

	for (auto [d, p, a, dom] : {std::tuple{"nic@x", "", "group", ""}, {"nic", "linux-9.9", "group", ""},
				    {"nic", "", "floppy", ""}, {"nic", "", "group", "12345"}, {"nic", "", "group", "zz"}}) {
		auto r = parse_config(d, p, a, dom);
		ASSERT_TRUE(std::holds_alternative<ConfigError>(r)) << d << " " << p << " " << a << " " << dom;
		EXPECT_EQ(std::get<ConfigError>(r).what.rfind("SOFTVFIO_", 0), 0u);
	}
}

bool machine_has_00_05(const std::string &bdf) { return bdf == "0000:00:05.0"; }

std::optional<ConfigError> addresses(const char *devices, const char *domain = nullptr)
{
	return check_device_addresses(std::get<ShimConfig>(parse_config(devices, nullptr, nullptr, domain)),
				      machine_has_00_05);
}

TEST(Config, DeviceAddresses)
{
	EXPECT_FALSE(addresses("nic,edu,ivshmem-plain"));
	EXPECT_FALSE(addresses("nic@5f00:00:01.0,edu"));  /* edu goes to 02 */
	EXPECT_FALSE(addresses("nic@0000:00:06.0"));
	auto twice = addresses("nic@5f00:00:01.0,edu@5f00:00:01.0");
	ASSERT_TRUE(twice);
	EXPECT_EQ(twice->what, "--device edu@5f00:00:01.0: 5f00:00:01.0 is taken by --device nic@5f00:00:01.0");
	/* A device without a BDF took the slot first. */
	auto placed = addresses("edu,nic@5f00:00:01.0");
	ASSERT_TRUE(placed);
	EXPECT_NE(placed->what.find("taken by --device edu (placed at 5f00:00:01.0)"), std::string::npos) << placed->what;
	auto real = addresses("nic@0000:00:05.0");
	ASSERT_TRUE(real);
	EXPECT_EQ(real->what.rfind("--device nic@0000:00:05.0: 0000:00:05.0 is a PCI device of this machine", 0), 0u)
		<< real->what;
	/* Placed in a domain the machine uses, onto its device. */
	auto placed_real = addresses("nic,edu,ivshmem-plain,nic,edu", "0");
	ASSERT_TRUE(placed_real);
	EXPECT_NE(placed_real->what.find("SOFTVFIO_DOMAIN"), std::string::npos) << placed_real->what;
}

} /* namespace */
} /* namespace softvfio::shim */
