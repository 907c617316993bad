/* SPDX-License-Identifier: MIT */
/*
 * `softvfio record` as a user runs it: output to stdout or -o FILE, and
 * bad input said clearly with the command's exit codes (2 usage or no such
 * device, 3 not a PCI function's directory, 1 the output cannot be written).
 */
#include <filesystem>
#include <fstream>
#include <sstream>
#include <variant>

#include <gtest/gtest.h>

#include <softvfio/device_description.h>

#include "cli/record_tree.h"
#include "cli/spawn.h"

namespace softvfio::test {
namespace {

constexpr const char *kBdf = "0000:01:00.0";

class RecordCliTest : public ::testing::Test
{
protected:
	void SetUp() override
	{
		ConfigBytes cfg = ConfigBytes::header(0x1234, 0x11e8, 0x00ff00);
		cfg.cap(0, 0x40, 0x05).w16(0x42, 0x0080);   /* MSI, 1 vector, 64-bit */
		cfg.w8(0x3d, 1);
		tree_.config(kBdf, cfg);
		tree_.file(kBdf, "resource",
			   resource_file({resource_line(0xfe900000, 0xfe9fffff, 0x40200)}));
	}
	Outcome record(std::vector<std::string> args)
	{
		args.insert(args.begin(), {SOFTVFIO_BINARY, "record", "--sysfs-root", tree_.root()});
		return run(args);
	}
	FakeSysfs tree_;
};

TEST_F(RecordCliTest, WritesToStandardOutput)
{
	Outcome o = record({kBdf});
	ASSERT_EQ(o.status, 0) << o.err;
	auto parsed = parse_device_description(o.out, "out.toml");
	ASSERT_TRUE(std::holds_alternative<DeviceDescription>(parsed)) << o.out;
	const auto &d = std::get<DeviceDescription>(parsed);
	EXPECT_EQ(d.device_id, 0x11e8);
	EXPECT_TRUE(d.msi);
	EXPECT_EQ(d.bars[0].size, 0x100000u);
}

TEST_F(RecordCliTest, ShortAddressMeansDomainZero)
{
	Outcome o = record({"01:00.0"});
	EXPECT_EQ(o.status, 0) << o.err;
}

TEST_F(RecordCliTest, WritesToAFile)
{
	const std::string path = tree_.root() + "/out.toml";
	Outcome o = record({kBdf, "-o", path});
	ASSERT_EQ(o.status, 0) << o.err;
	EXPECT_EQ(o.out, "");
	auto parsed = load_device_description(path);
	EXPECT_TRUE(std::holds_alternative<DeviceDescription>(parsed));
}

TEST_F(RecordCliTest, NoDeviceIsUsageErrorNamingThePath)
{
	Outcome o = record({"0000:7f:1f.7"});
	EXPECT_EQ(o.status, 2);
	EXPECT_NE(o.err.find(tree_.root() + "/bus/pci/devices/0000:7f:1f.7"), std::string::npos) << o.err;
	EXPECT_EQ(o.out, "");
}

TEST(RecordCli, NoDeviceInSysNamesThePath)
{
	Outcome o = run({SOFTVFIO_BINARY, "record", "fffe:ff:1f.7"});
	EXPECT_EQ(o.status, 2);
	EXPECT_NE(o.err.find("/sys/bus/pci/devices/fffe:ff:1f.7"), std::string::npos) << o.err;
}

TEST_F(RecordCliTest, NotAnAddressIsUsageError)
{
	Outcome o = record({"nic"});
	EXPECT_EQ(o.status, 2);
	EXPECT_NE(o.err.find("'nic' is not a PCI address"), std::string::npos) << o.err;
}

TEST_F(RecordCliTest, NoAddressIsUsageError)
{
	Outcome o = record({});
	EXPECT_EQ(o.status, 2);
}

TEST_F(RecordCliTest, DirectoryWithoutConfigIsBadInput)
{
	tree_.file("0000:02:00.0", "vendor", "0x1234\n");
	Outcome o = record({"0000:02:00.0"});
	EXPECT_EQ(o.status, 3);
	EXPECT_NE(o.err.find("0000:02:00.0/config"), std::string::npos) << o.err;
}

TEST_F(RecordCliTest, UnwritableOutputFails)
{
	Outcome o = record({kBdf, "-o", tree_.root() + "/no/such/dir/out.toml"});
	EXPECT_EQ(o.status, 1);
	EXPECT_NE(o.err.find("no/such/dir/out.toml"), std::string::npos) << o.err;
}

TEST_F(RecordCliTest, HeaderOnlyConfigWarnsOnStandardError)
{
	ConfigBytes cfg = ConfigBytes::header(0x1234, 0x11e8, 0x00ff00, 64);
	tree_.config("0000:03:00.0", cfg);
	Outcome o = record({"0000:03:00.0"});
	EXPECT_EQ(o.status, 0) << o.err;
	EXPECT_NE(o.err.find("warning: config: only 64 of 256 bytes"), std::string::npos) << o.err;
}

TEST_F(RecordCliTest, LeftOutCapabilitiesAreMentionedOnStandardError)
{
	ConfigBytes cfg = ConfigBytes::header(0x1234, 0x11e8, 0x00ff00);
	cfg.cap(0, 0x40, 0x09);
	tree_.config("0000:04:00.0", cfg);
	Outcome o = record({"0000:04:00.0"});
	EXPECT_EQ(o.status, 0) << o.err;
	EXPECT_NE(o.err.find("cannot express"), std::string::npos) << o.err;
	EXPECT_NE(o.out.find("Vendor Specific"), std::string::npos) << o.out;
}

/* A VF is described by its PF's [sriov]: record says so, exits 3 and
 * writes nothing. */
TEST_F(RecordCliTest, VirtualFunctionIsBadInputNamingItsPf)
{
	tree_.config("0000:01:00.1", ConfigBytes::header(0xffff, 0xffff, 0x00ff00));
	std::filesystem::create_directory_symlink("../0000:01:00.0", tree_.dir("0000:01:00.1") + "/physfn");
	Outcome o = record({"0000:01:00.1"});
	EXPECT_EQ(o.status, 3);
	EXPECT_TRUE(o.out.empty()) << o.out;
	EXPECT_NE(o.err.find("a virtual function of 0000:01:00.0"), std::string::npos) << o.err;
	EXPECT_NE(o.err.find("record the PF instead: softvfio record 0000:01:00.0"), std::string::npos) << o.err;
}

TEST(RecordCli, HelpNamesTheOptions)
{
	Outcome o = run({SOFTVFIO_BINARY, "record", "--help"});
	EXPECT_EQ(o.status, 0);
	EXPECT_NE(o.out.find("--sysfs-root"), std::string::npos) << o.out;
	EXPECT_NE(o.out.find("--output"), std::string::npos) << o.out;
}

} /* namespace */
} /* namespace softvfio::test */
