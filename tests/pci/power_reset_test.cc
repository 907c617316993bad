/* SPDX-License-Identifier: MIT */
/*
 * Power states through PM_CTRL and pci_set_power_state(), the memory decode
 * predicate, FLR through DEVCTL, pci_reset_function()'s methods, bus reset,
 * and save/restore.
 */
#include "pci_test_util.h"

namespace softvfio::pci::test {
namespace {

using namespace regs;

constexpr const char *kPmOnly = R"(
[pm]
no_soft_reset = false
d1 = true
)";

uint16_t pm_ctrl(PciFunction &fn)
{
	return static_cast<uint16_t>(fn.config_read(fn.find_capability(kCapIdPm) + kPmCtrl, 2));
}

void write_pm_state(PciFunction &fn, unsigned state)
{
	const uint16_t reg = fn.find_capability(kCapIdPm) + kPmCtrl;
	fn.config_write(reg, 2, (fn.config_read(reg, 2) & ~kPmCtrlStateMask) | state);
}

TEST(MemoryDecode, FollowsCommandMemory)
{
	auto fn = make_preset("ivshmem-plain");
	EXPECT_TRUE(fn->memory_decode_enabled());
	fn->config_write(kCommand, 2, 0x0101);
	EXPECT_FALSE(fn->memory_decode_enabled());
	fn->config_write(kCommand, 2, 0x0103);
	EXPECT_TRUE(fn->memory_decode_enabled());
}

TEST(MemoryDecode, OffInD3hot)
{
	auto fn = make_from_toml(small_device("command = 2", "", "[pm]\nno_soft_reset = true\n"));
	EXPECT_TRUE(fn->memory_decode_enabled());
	ASSERT_TRUE(fn->set_power_state(PowerState::D3hot).ok());
	EXPECT_EQ(fn->power_state(), PowerState::D3hot);
	EXPECT_FALSE(fn->memory_decode_enabled());
	ASSERT_TRUE(fn->set_power_state(PowerState::D0).ok());
	EXPECT_TRUE(fn->memory_decode_enabled());   /* NoSoftRst+: command kept */
}

TEST(PowerState, WithoutPmOnlyD0)
{
	auto fn = make_preset("edu");
	EXPECT_EQ(fn->power_state(), PowerState::D0);
	EXPECT_EQ(fn->set_power_state(PowerState::D3hot).error(), EIO);
	EXPECT_TRUE(fn->set_power_state(PowerState::D0).ok());
	EXPECT_EQ(fn->power_state(), PowerState::D0);
}

TEST(PowerState, D3coldEndsInD3hot)
{
	auto fn = make_preset("nic");
	EXPECT_TRUE(fn->set_power_state(PowerState::D3cold).ok());
	EXPECT_EQ(fn->power_state(), PowerState::D3hot);
}

TEST(PowerState, UnsupportedD2IsEio)
{
	auto fn = make_from_toml(small_device("", "", kPmOnly));
	EXPECT_EQ(fn->set_power_state(PowerState::D2).error(), EIO);
	EXPECT_EQ(fn->power_state(), PowerState::D0);
}

TEST(PowerState, ShallowerLowPowerStateIsEinval)
{
	auto fn = make_from_toml(small_device("", "", kPmOnly));
	ASSERT_TRUE(fn->set_power_state(PowerState::D3hot).ok());
	EXPECT_EQ(fn->set_power_state(PowerState::D1).error(), EINVAL);
	EXPECT_EQ(fn->power_state(), PowerState::D3hot);
}

TEST(PmCtrl, SupportedStatesTakeEffect)
{
	auto fn = make_from_toml(small_device("", "", kPmOnly));
	write_pm_state(*fn, 1);
	EXPECT_EQ(fn->power_state(), PowerState::D1);
	write_pm_state(*fn, 0);
	EXPECT_EQ(fn->power_state(), PowerState::D0);
}

TEST(PmCtrl, UnsupportedStateIsIgnored)
{
	auto fn = make_from_toml(small_device("", "", kPmOnly));
	write_pm_state(*fn, 2);
	EXPECT_EQ(pm_ctrl(*fn) & kPmCtrlStateMask, 0u);
}

TEST(PmCtrl, D3hotLeadsOnlyToD0)
{
	auto fn = make_from_toml(small_device("", "", kPmOnly));
	write_pm_state(*fn, 3);
	write_pm_state(*fn, 1);
	EXPECT_EQ(fn->power_state(), PowerState::D3hot);
}

TEST(PmCtrl, LeavingD3hotWithoutNoSoftRstResetsConfig)
{
	auto fn = make_preset("nic");
	enable_master(*fn);
	write_pm_state(*fn, 3);
	write_pm_state(*fn, 0);
	EXPECT_EQ(fn->config_read(kCommand, 2), 0u);
	EXPECT_EQ(fn->config_read(bar_offset(0), 4), 0u);
	EXPECT_EQ(fn->config_read(bar_offset(2), 4), 0x0000000cu);
}

TEST(PmCtrl, LeavingD3hotWithNoSoftRstKeepsConfig)
{
	auto fn = make_from_toml(small_device("command = 0x0106", "", "[pm]\nno_soft_reset = true\n"));
	write_pm_state(*fn, 3);
	write_pm_state(*fn, 0);
	EXPECT_EQ(fn->config_read(kCommand, 2), 0x0106u);
}

TEST(SetPowerState, WakeFromD3hotRestoresBarsAfterSoftReset)
{
	auto fn = make_preset("nic");
	ASSERT_TRUE(fn->set_power_state(PowerState::D3hot).ok());
	ASSERT_TRUE(fn->set_power_state(PowerState::D0).ok());
	EXPECT_EQ(fn->config_read(bar_offset(0), 4), 0xfe000000u);
	EXPECT_EQ(fn->config_read(bar_offset(3), 4), 0x80u);   /* 0x80_0000_0000 >> 32 */
	EXPECT_EQ(fn->config_read(kCommand, 2), 0u);           /* the rest is the caller's */
	EXPECT_FALSE(fn->memory_decode_enabled());
}

TEST(Flr, InitiatedThroughDevctl)
{
	auto fn = make_preset("nic");
	const uint16_t exp = fn->find_capability(kCapIdExpress);
	enable_master(*fn);
	fn->config_write(exp + kExpDevCtl, 2, 0x0000);
	fn->config_write(exp + kExpDevCtl, 2, kExpDevCtlBcrFlr);
	EXPECT_EQ(fn->config_read(kCommand, 2), 0u);
	EXPECT_EQ(fn->config_read(bar_offset(0), 4), 0u);
	EXPECT_EQ(fn->config_read(exp + kExpDevCtl, 2), 0x2810u);   /* defaults, BCR reads 0 */
}

TEST(Flr, BcrIgnoredWithoutFlrCapability)
{
	auto fn = make_from_toml(small_device("command = 2", "", "[express]\nflr = false\n"));
	const uint16_t exp = fn->find_capability(kCapIdExpress);
	fn->config_write(exp + kExpDevCtl, 2, kExpDevCtlBcrFlr);
	EXPECT_EQ(fn->config_read(kCommand, 2), 2u);
}

TEST(Flr, KeepsRamUnlessClearOnReset)
{
	auto fn = make_preset("nic");
	bar_write32(*fn, 0, 0x10, 0x11111111);   /* clear_on_reset */
	bar_write32(*fn, 2, 0x10, 0x22222222);   /* kept */
	fn->config_write(fn->find_capability(kCapIdExpress) + kExpDevCtl, 2, kExpDevCtlBcrFlr);
	EXPECT_EQ(bar_read32(*fn, 0, 0x10), 0u);
	EXPECT_EQ(bar_read32(*fn, 2, 0x10), 0x22222222u);
}

TEST(ResetFunction, EnottyWithoutAnyMethod)
{
	auto fn = make_from_toml(small_device("", "", "[pm]\nno_soft_reset = true\n"));
	EXPECT_EQ(fn->reset_function().error(), ENOTTY);
}

TEST(ResetFunction, FlrRestoresConfig)
{
	auto fn = make_preset("nic");
	const uint16_t msix = fn->find_capability(kCapIdMsix);
	enable_master(*fn);
	fn->config_write(msix + kMsixFlags, 2, kMsixFlagsEnable);
	fn->config_write(kInterruptLine, 1, 5);
	const uint32_t command = fn->config_read(kCommand, 2);
	ASSERT_TRUE(fn->reset_function().ok());
	EXPECT_EQ(fn->config_read(kCommand, 2), command);
	EXPECT_EQ(fn->config_read(kInterruptLine, 1), 5u);
	EXPECT_EQ(fn->config_read(bar_offset(2), 4), 0x0000000cu);
	EXPECT_EQ(fn->config_read(bar_offset(3), 4), 0x80u);
	EXPECT_EQ(fn->config_read(msix + kMsixFlags, 2) & kMsixFlagsEnable, kMsixFlagsEnable);
}

TEST(ResetFunction, FlrResetsMsixTable)
{
	auto fn = make_preset("nic");
	bar_write32(*fn, 4, kMsixEntryVectorCtrl, 0);        /* unmask entry 0 */
	bar_write32(*fn, 4, kMsixEntryData, 0x1234);
	fn->config_write(fn->find_capability(kCapIdExpress) + kExpDevCtl, 2, kExpDevCtlBcrFlr);
	EXPECT_EQ(bar_read32(*fn, 4, kMsixEntryVectorCtrl), kMsixEntryCtrlMasked);
	EXPECT_EQ(bar_read32(*fn, 4, kMsixEntryData), 0u);
}

TEST(ResetFunction, PmResetWhenNoFlr)
{
	const std::string toml = R"(
vendor_id = 0x1234
interrupt_pin = 1
[[bar]]
index = 0
kind = "mem32"
size = "1MiB"
contents = "registers"
model = "edu"
[pm]
no_soft_reset = false
)";
	auto fn = make_from_toml(toml);
	bar_write32(*fn, 0, 0x04, 0x12345678);
	EXPECT_EQ(bar_read32(*fn, 0, 0x04), ~0x12345678u);
	EXPECT_EQ(fn->config_read(kCommand, 2), 0x0103u);
	ASSERT_TRUE(fn->reset_function().ok());
	EXPECT_EQ(bar_read32(*fn, 0, 0x04), 0u);               /* model reset */
	EXPECT_EQ(fn->config_read(kCommand, 2), 0x0103u);      /* config restored */
	EXPECT_EQ(fn->power_state(), PowerState::D0);
}

TEST(ResetFunction, BusResetWhenOnlyMethod)
{
	auto fn = make_from_toml(small_device("bus_reset = true", "clear_on_reset = true"));
	bar_write32(*fn, 0, 0, 0xabcdef01);
	ASSERT_TRUE(fn->reset_function().ok());
	EXPECT_EQ(bar_read32(*fn, 0, 0), 0u);
	EXPECT_EQ(fn->config_read(kCommand, 2), 0x0103u);
}

TEST(ResetFunction, WakesTheFunctionFirst)
{
	auto fn = make_preset("nic");
	ASSERT_TRUE(fn->set_power_state(PowerState::D3hot).ok());
	ASSERT_TRUE(fn->reset_function().ok());
	EXPECT_EQ(fn->power_state(), PowerState::D0);
}

TEST(ResetFunction, ConsumesTheSavedState)
{
	auto fn = make_preset("nic");
	fn->save_state();
	ASSERT_TRUE(fn->reset_function().ok());
	EXPECT_FALSE(fn->store_saved_state().has_value());
}

TEST(ResetBus, EnottyWithoutBusReset)
{
	auto fn = make_preset("edu");
	EXPECT_EQ(fn->reset_bus().error(), ENOTTY);
}

TEST(ResetBus, ResetsAndRestores)
{
	auto fn = make_preset("nic");
	bar_write32(*fn, 0, 0, 0x5a5a5a5a);
	ASSERT_TRUE(fn->reset_bus().ok());
	EXPECT_EQ(bar_read32(*fn, 0, 0), 0u);
	EXPECT_EQ(fn->config_read(kCommand, 2), 0x0102u);
}

TEST(SaveRestore, RestoresWhatWasSaved)
{
	auto fn = make_preset("edu");
	fn->save_state();
	fn->config_write(kCommand, 2, 0);
	fn->config_write(kInterruptLine, 1, 3);
	fn->restore_state();
	EXPECT_EQ(fn->config_read(kCommand, 2), 0x0103u);
	EXPECT_EQ(fn->config_read(kInterruptLine, 1), 11u);
}

TEST(SaveRestore, RestoreWithoutSaveDoesNothing)
{
	auto fn = make_preset("edu");
	fn->config_write(kCommand, 2, 0);
	fn->restore_state();
	EXPECT_EQ(fn->config_read(kCommand, 2), 0u);
}

TEST(SaveRestore, RestoreConsumesTheState)
{
	auto fn = make_preset("edu");
	fn->save_state();
	fn->restore_state();
	fn->config_write(kCommand, 2, 0);
	fn->restore_state();
	EXPECT_EQ(fn->config_read(kCommand, 2), 0u);
}

TEST(SaveRestore, StoreAndLoad)
{
	auto fn = make_preset("nic");
	fn->save_state();
	auto stored = fn->store_saved_state();
	ASSERT_TRUE(stored.has_value());
	fn->restore_state();
	fn->config_write(kCommand, 2, 0);
	fn->load_saved_state(stored);
	fn->restore_state();
	EXPECT_EQ(fn->config_read(kCommand, 2), 0x0102u);
	fn->load_saved_state(std::nullopt);
	EXPECT_FALSE(fn->store_saved_state().has_value());
}

TEST(SaveRestore, RestoresMsiAfterReset)
{
	auto fn = make_preset("nic");
	const uint16_t msi = fn->find_capability(kCapIdMsi);
	fn->config_write(msi + kMsiAddressLo, 4, 0xfee00000);
	fn->config_write(msi + kMsiData64, 2, 0x4021);
	fn->config_write(msi + kMsiFlags, 2, kMsiFlagsEnable);
	ASSERT_TRUE(fn->reset_function().ok());
	EXPECT_EQ(fn->config_read(msi + kMsiAddressLo, 4), 0xfee00000u);
	EXPECT_EQ(fn->config_read(msi + kMsiData64, 2), 0x4021u);
	EXPECT_TRUE(fn->config_read(msi + kMsiFlags, 2) & kMsiFlagsEnable);
}

} /* namespace */
} /* namespace softvfio::pci::test */
