/* SPDX-License-Identifier: MIT */
/*
 * The built-in presets, header field by field. ivshmem-plain and edu are
 * checked against what a real 6.12 kernel reports for QEMU's devices
 * through vfio-pci (docs/semantics-realkernel.md §8.2–§8.5)
 * and QEMU's own definitions of them.
 */
#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "pci_test_util.h"

namespace softvfio::pci::test {
namespace {

using namespace regs;

TEST(Presets, NamesAreTheThreeDevices)
{
	EXPECT_EQ(preset_names(), (std::vector<std::string>{"edu", "ivshmem-plain", "nic"}));
}

TEST(Presets, EveryPresetParsesWithItsOwnName)
{
	for (const std::string &name : preset_names()) {
		auto desc = preset(name);
		ASSERT_TRUE(desc.has_value()) << name;
		EXPECT_EQ(desc->name, name);
		EXPECT_EQ(desc->source, "preset:" + name);
		EXPECT_FALSE(validate_device_description(*desc, name).has_value()) << name;
		EXPECT_NE(make_function(*desc), nullptr) << name;
	}
}

TEST(Presets, DefaultIsNic)
{
	EXPECT_EQ(default_preset_name(), "nic");
	EXPECT_TRUE(preset(default_preset_name()).has_value());
}

TEST(Presets, UnknownPresetIsNullopt)
{
	EXPECT_FALSE(preset("e1000").has_value());
}

TEST(IvshmemPreset, IdsAndClass)
{
	auto fn = make_preset("ivshmem-plain");
	EXPECT_EQ(fn->config_read(kVendorId, 2), 0x1af4u);
	EXPECT_EQ(fn->config_read(kDeviceId, 2), 0x1110u);
	EXPECT_EQ(fn->config_read(kRevisionId, 1), 0x01u);
	EXPECT_EQ(fn->config_read(kClassProgIf, 1), 0x00u);
	EXPECT_EQ(fn->config_read(kClassDevice, 2), 0x0500u);   /* memory controller: RAM */
	EXPECT_EQ(fn->config_read(kHeaderType, 1), 0x00u);
	EXPECT_EQ(fn->config_read(kSubsystemVendorId, 2), 0x1af4u);
	EXPECT_EQ(fn->config_read(kSubsystemId, 2), 0x1100u);
}

TEST(IvshmemPreset, CommandStatusAndNoCapabilities)
{
	auto fn = make_preset("ivshmem-plain");
	EXPECT_EQ(fn->config_read(kCommand, 2), 0x0103u);
	EXPECT_EQ(fn->config_read(kStatus, 2), 0x0000u);
	EXPECT_EQ(fn->config_read(kCapabilityList, 1), 0x00u);
	EXPECT_TRUE(fn->capabilities().empty());
	EXPECT_EQ(fn->config_size(), 256u);
}

TEST(IvshmemPreset, NoInterruptPin)
{
	auto fn = make_preset("ivshmem-plain");
	EXPECT_EQ(fn->config_read(kInterruptPin, 1), 0u);
	EXPECT_EQ(fn->find_capability(kCapIdMsi), 0u);
	EXPECT_EQ(fn->find_capability(kCapIdMsix), 0u);
}

TEST(IvshmemPreset, Bars)
{
	auto fn = make_preset("ivshmem-plain");
	EXPECT_EQ(fn->bar(0).kind, BarKind::Mem32);
	EXPECT_EQ(fn->bar(0).size, 0x100u);
	EXPECT_FALSE(fn->bar(0).prefetchable);
	EXPECT_TRUE(fn->bar(0).mmap_capable);
	EXPECT_EQ(fn->bar(1).kind, BarKind::None);
	EXPECT_EQ(fn->bar(2).kind, BarKind::Mem64);
	EXPECT_TRUE(fn->bar(2).prefetchable);
	EXPECT_EQ(fn->bar(2).size, 0x100000u);
	EXPECT_EQ(fn->bar(2).address, 0xfeb00000u);
	EXPECT_EQ(fn->bar(3).kind, BarKind::None);   /* upper half */
	EXPECT_EQ(fn->bar(4).kind, BarKind::None);
	EXPECT_EQ(fn->bar(5).kind, BarKind::None);
	EXPECT_TRUE(fn->rom().empty());
}

TEST(IvshmemPreset, Bar2ConfigReadsAsObservedOn612)
{
	auto fn = make_preset("ivshmem-plain");
	EXPECT_EQ(fn->config_read(bar_offset(2), 4), 0xfeb0000cu);
	EXPECT_EQ(fn->config_read(bar_offset(3), 4), 0u);
	EXPECT_EQ(fn->config_read(bar_offset(0), 4) & 0xf, 0u);   /* 32-bit, not prefetchable */
}

TEST(IvshmemPreset, NoResetMethod)
{
	auto fn = make_preset("ivshmem-plain");
	EXPECT_FALSE(fn->has_flr());
	EXPECT_FALSE(fn->has_pm_reset());
	EXPECT_FALSE(fn->has_bus_reset());
	EXPECT_EQ(fn->reset_function().error(), ENOTTY);
}

TEST(EduPreset, IdsAndClass)
{
	auto fn = make_preset("edu");
	EXPECT_EQ(fn->config_read(kVendorId, 2), 0x1234u);
	EXPECT_EQ(fn->config_read(kDeviceId, 2), 0x11e8u);
	EXPECT_EQ(fn->config_read(kRevisionId, 1), 0x10u);
	EXPECT_EQ(fn->config_read(kClassProgIf, 1), 0x00u);
	EXPECT_EQ(fn->config_read(kClassDevice, 1), 0xffu);       /* sub-class */
	EXPECT_EQ(fn->config_read(kClassDevice + 1, 1), 0x00u);   /* base class */
	EXPECT_EQ(fn->config_read(kSubsystemVendorId, 2), 0x1af4u);
	EXPECT_EQ(fn->config_read(kSubsystemId, 2), 0x1100u);
	EXPECT_EQ(fn->config_read(kHeaderType, 1), 0x00u);
}

TEST(EduPreset, CommandStatusPin)
{
	auto fn = make_preset("edu");
	EXPECT_EQ(fn->config_read(kCommand, 2), 0x0103u);
	EXPECT_EQ(fn->config_read(kStatus, 2), kStatusCapList);
	EXPECT_EQ(fn->config_read(kInterruptPin, 1), 1u);
	EXPECT_EQ(fn->config_size(), 256u);
}

TEST(EduPreset, OneMsiCapabilityAt0x40)
{
	auto fn = make_preset("edu");
	EXPECT_EQ(fn->config_read(kCapabilityList, 1), 0x40u);
	EXPECT_EQ(fn->config_read(0x40, 1), kCapIdMsi);
	EXPECT_EQ(fn->config_read(0x41, 1), 0u);
	/* 64-bit, 1 vector, no per-vector masking, disabled */
	EXPECT_EQ(fn->config_read(0x40 + kMsiFlags, 2), 0x0080u);
	ASSERT_EQ(fn->capabilities().size(), 1u);
	EXPECT_EQ(fn->capabilities()[0].length, 0x0eu);
}

TEST(EduPreset, Bar0)
{
	auto fn = make_preset("edu");
	EXPECT_EQ(fn->bar(0).kind, BarKind::Mem32);
	EXPECT_FALSE(fn->bar(0).prefetchable);
	EXPECT_EQ(fn->bar(0).size, 0x100000u);
	EXPECT_TRUE(fn->bar(0).mmap_capable);
	for (unsigned i = 1; i < 6; ++i)
		EXPECT_EQ(fn->bar(i).kind, BarKind::None) << i;
	EXPECT_EQ(fn->config_read(bar_offset(0), 4), fn->bar(0).address);
}

TEST(EduPreset, NoResetMethod)
{
	auto fn = make_preset("edu");
	EXPECT_EQ(fn->reset_function().error(), ENOTTY);
	EXPECT_EQ(fn->reset_bus().error(), ENOTTY);
}

TEST(NicPreset, ExpressWithEveryFeature)
{
	auto fn = make_preset("nic");
	EXPECT_EQ(fn->config_size(), 4096u);
	EXPECT_TRUE(fn->has_flr());
	EXPECT_TRUE(fn->has_pm_reset());
	EXPECT_TRUE(fn->has_bus_reset());
	EXPECT_NE(fn->find_capability(kCapIdPm), 0u);
	EXPECT_NE(fn->find_capability(kCapIdMsi), 0u);
	EXPECT_NE(fn->find_capability(kCapIdExpress), 0u);
	EXPECT_NE(fn->find_capability(kCapIdMsix), 0u);
	EXPECT_FALSE(fn->rom().empty());
}

TEST(NicPreset, BigBarAllowsGigabyteMappings)
{
	auto fn = make_preset("nic");
	const Bar &big = fn->bar(2);
	EXPECT_EQ(big.kind, BarKind::Mem64);
	EXPECT_TRUE(big.prefetchable);
	EXPECT_GE(big.size, uint64_t(1) << 30);
	EXPECT_EQ(big.address % (uint64_t(1) << 30), 0u);
	EXPECT_TRUE(big.mmap_capable);
}

TEST(NicPreset, MsixLivesInBar4)
{
	auto fn = make_preset("nic");
	const uint16_t msix = fn->find_capability(kCapIdMsix);
	EXPECT_EQ(fn->config_read(msix + kMsixTable, 4), 0x00000004u);
	EXPECT_EQ(fn->config_read(msix + kMsixPba, 4), 0x00002004u);
	EXPECT_EQ(fn->config_read(msix + kMsixFlags, 2) & kMsixFlagsQsize, 63u);
}

TEST(ResolveDevice, PresetName)
{
	auto r = resolve_device("edu");
	ASSERT_TRUE(std::holds_alternative<DeviceDescription>(r));
	EXPECT_EQ(std::get<DeviceDescription>(r).source, "preset:edu");
}

TEST(ResolveDevice, FilePath)
{
	char path[] = "/tmp/softvfio-pci-test-XXXXXX.toml";
	int fd = ::mkstemps(path, 5);
	ASSERT_GE(fd, 0);
	const std::string text = small_device("name = \"mine\"");
	ASSERT_EQ(::write(fd, text.data(), text.size()), ssize_t(text.size()));
	::close(fd);
	auto r = resolve_device(path);
	::unlink(path);
	ASSERT_TRUE(std::holds_alternative<DeviceDescription>(r))
		<< std::get<DescriptionError>(r).message();
	EXPECT_EQ(std::get<DeviceDescription>(r).name, "mine");
	EXPECT_EQ(std::get<DeviceDescription>(r).source, path);
}

TEST(ResolveDevice, UnknownNameListsPresets)
{
	auto r = resolve_device("e1000");
	ASSERT_TRUE(std::holds_alternative<DescriptionError>(r));
	EXPECT_EQ(std::get<DescriptionError>(r).message(),
		  "e1000: no such preset or file (presets: edu, ivshmem-plain, nic)");
}

TEST(ResolveDevice, MissingFile)
{
	auto r = resolve_device("/nonexistent/dev.toml");
	ASSERT_TRUE(std::holds_alternative<DescriptionError>(r));
	EXPECT_EQ(std::get<DescriptionError>(r).message(),
		  "/nonexistent/dev.toml: cannot open the file");
}

} /* namespace */
} /* namespace softvfio::pci::test */
