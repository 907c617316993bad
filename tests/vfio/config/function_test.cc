/* SPDX-License-Identifier: MIT */
/* The virtualisation over real software functions built from the presets,
 * through FunctionBackend: the figures observed on 6.12 and the hooks. */
#include <cerrno>

#include "vfio/config/fake_device.h"
#include "vfio/pci/config/virtual_config.h"

namespace softvfio::vfio::test {
namespace {

namespace r = pci::regs;

class FunctionConfig : public ::testing::Test
{
protected:
	void open(const char *name)
	{
		auto desc = preset(name);
		ASSERT_TRUE(desc.has_value());
		auto fn = pci::PciFunction::create(*desc, 0xe0000000);
		ASSERT_TRUE(fn.ok()) << fn.error();
		function = std::move(*fn);
		dev.fn = function.get();
		vc = std::make_unique<VirtualConfig>(dev);
		dev.config = vc.get();
		ASSERT_TRUE(vc->init());
	}
	uint32_t rd(uint32_t pos, unsigned width)
	{
		uint32_t v = 0;
		EXPECT_EQ(vc->read(&v, width, pos), long(width)) << "read at " << pos;
		return v;
	}
	void wr(uint32_t pos, unsigned width, uint32_t v)
	{
		EXPECT_EQ(vc->write(&v, width, pos), long(width)) << "write at " << pos;
	}

	std::unique_ptr<pci::PciFunction> function;
	FakeConfigDevice dev;
	std::unique_ptr<VirtualConfig> vc;
};

/* sample-console-6.12.log: ivshmem-plain through vfio-pci. */
TEST_F(FunctionConfig, IvshmemMatchesTheObserved612Figures)
{
	open("ivshmem-plain");
	EXPECT_EQ(vc->size(), 0x100u);
	EXPECT_EQ(rd(r::kVendorId, 2), 0x1af4u);
	EXPECT_EQ(rd(r::kDeviceId, 2), 0x1110u);
	EXPECT_EQ(rd(r::kCommand, 2), 0x0103u);
	uint64_t bar2 = 0;
	ASSERT_EQ(vc->read(&bar2, 8, r::bar_offset(2)), 8);
	EXPECT_EQ(bar2, 0x00000000feb0000cull);
	EXPECT_EQ(rd(r::kStatus, 2) & r::kStatusCapList, 0u);
	EXPECT_EQ(rd(r::kInterruptPin, 1), 0u);
}

/* The reference program's 2-byte pwrite: 0x0103 -> 0x0101 -> 0x0103. */
TEST_F(FunctionConfig, IvshmemMemoryToggleReachesTheFunction)
{
	open("ivshmem-plain");
	wr(r::kCommand, 2, 0x0101);
	EXPECT_EQ(rd(r::kCommand, 2), 0x0101u);
	EXPECT_FALSE(function->memory_decode_enabled());
	wr(r::kCommand, 2, 0x0103);
	EXPECT_EQ(rd(r::kCommand, 2), 0x0103u);
	EXPECT_TRUE(function->memory_decode_enabled());
	const auto calls = dev.calls();
	ASSERT_EQ(calls.size(), 2u);
	EXPECT_EQ(calls[0], (HookCall{Hook::Command, false, pci::PowerState::D0, false}));
	EXPECT_EQ(calls[1], (HookCall{Hook::Command, true, pci::PowerState::D0, true}));
}

TEST_F(FunctionConfig, IvshmemBarSizing)
{
	open("ivshmem-plain");
	wr(r::bar_offset(0), 4, 0xffffffff);
	wr(r::bar_offset(2), 4, 0xffffffff);
	wr(r::bar_offset(3), 4, 0xffffffff);
	EXPECT_EQ(rd(r::bar_offset(0), 4), 0xffffff00u);
	EXPECT_EQ(rd(r::bar_offset(1), 4), 0u);
	EXPECT_EQ(rd(r::bar_offset(2), 4), 0xfff0000cu);
	EXPECT_EQ(rd(r::bar_offset(3), 4), 0xffffffffu);
	EXPECT_EQ(rd(r::kRomAddress, 4), 0u);
	/* The function's own BARs are untouched. */
	EXPECT_EQ(function->config_read(r::bar_offset(2), 4), 0xfeb0000cu);
}

TEST_F(FunctionConfig, EduMsiCapability)
{
	open("edu");
	EXPECT_EQ(rd(r::kCapabilityList, 1), 0x40u);
	EXPECT_EQ(rd(0x40, 4), 0x00800005u);         /* MSI, 64-bit, 1 vector */
	EXPECT_EQ(vc->map_at(0x4d), r::kCapIdMsi);  /* 14 bytes */
	EXPECT_EQ(vc->map_at(0x4e), 0xffu);
	EXPECT_EQ(rd(r::bar_offset(0), 4), 0xfe900000u);
}

TEST_F(FunctionConfig, NicChainAndSizes)
{
	open("nic");
	EXPECT_EQ(vc->size(), 4096u);
	std::vector<uint32_t> ids;
	uint32_t pos = rd(r::kCapabilityList, 1);
	while (pos && ids.size() < 16) {
		uint32_t hdr = rd(pos, 2);
		ids.push_back(hdr & 0xff);
		pos = hdr >> 8;
	}
	EXPECT_EQ(ids, (std::vector<uint32_t>{r::kCapIdPm, r::kCapIdMsi, r::kCapIdExpress,
					      r::kCapIdMsix}));
	/* No extended capabilities: the header at 0x100 reads 0, raw. */
	EXPECT_EQ(rd(0x100, 4), 0u);
	EXPECT_EQ(vc->map_at(0x100), 0xffu);
}

TEST_F(FunctionConfig, NicBarsAndRom)
{
	open("nic");
	EXPECT_EQ(rd(r::bar_offset(2), 4), 0x0000000cu);
	EXPECT_EQ(rd(r::bar_offset(3), 4), 0x00000080u);
	EXPECT_EQ(rd(r::kRomAddress, 4), 0xfe080000u);
	wr(r::kRomAddress, 4, 0xffffffff);
	EXPECT_EQ(rd(r::kRomAddress, 4), 0xffff0001u);
}

TEST_F(FunctionConfig, NicPmeHiddenAndPowerStateHook)
{
	open("nic");
	const uint32_t pm = function->find_capability(r::kCapIdPm);
	ASSERT_NE(pm, 0u);
	EXPECT_EQ(rd(pm + r::kPmPmc, 2) & r::kPmcPmeMask, 0u);
	wr(pm + r::kPmCtrl, 2, 3);
	EXPECT_EQ(dev.calls(), (std::vector<HookCall>{{Hook::Power, false, pci::PowerState::D3hot}}));
	/* The fake device does not change the state: the user's write alone
	 * never reaches the state field. */
	EXPECT_EQ(function->power_state(), pci::PowerState::D0);
}

TEST_F(FunctionConfig, NicFlrThroughDevctl)
{
	open("nic");
	const uint32_t exp = function->find_capability(r::kCapIdExpress);
	ASSERT_NE(exp, 0u);
	const uint32_t ctl = rd(exp + r::kExpDevCtl, 2);
	wr(exp + r::kExpDevCtl, 2, ctl | r::kExpDevCtlBcrFlr);
	EXPECT_EQ(dev.calls(), (std::vector<HookCall>{{Hook::Reset}}));
	EXPECT_EQ(rd(exp + r::kExpDevCtl, 2), ctl);
}

TEST_F(FunctionConfig, NicIntxDisableStaysVirtual)
{
	open("nic");
	wr(r::kCommand, 2, 0x0506);
	EXPECT_EQ(function->config_read(r::kCommand, 2) & r::kCommandIntxDisable, 0u);
	EXPECT_EQ(rd(r::kCommand, 2), 0x0506u);
	EXPECT_TRUE(vc->virq_disabled());
}

} /* namespace */
} /* namespace softvfio::vfio::test */
