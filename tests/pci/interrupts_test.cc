/* SPDX-License-Identifier: MIT */
/*
 * MSI and MSI-X capability registers and delivery, and INTx as a level
 * with STATUS.INTERRUPT and COMMAND.INTX_DISABLE.
 */
#include "pci_test_util.h"

namespace softvfio::pci::test {
namespace {

using namespace regs;

class NicInterrupts : public ::testing::Test
{
protected:
	void SetUp() override
	{
		fn = make_preset("nic");
		fn->set_interrupt_sink(&sink);
		msi = fn->find_capability(kCapIdMsi);
		msix = fn->find_capability(kCapIdMsix);
		enable_master(*fn);
	}
	void enable_msi(unsigned qsize)
	{
		fn->config_write(msi + kMsiFlags, 2, kMsiFlagsEnable | (qsize << 4));
	}
	void enable_msix(uint16_t extra = 0)
	{
		fn->config_write(msix + kMsixFlags, 2, kMsixFlagsEnable | extra);
	}
	void unmask_entry(unsigned v)
	{
		bar_write32(*fn, 4, v * kMsixEntrySize + kMsixEntryVectorCtrl, 0);
	}
	uint64_t pba() { return bar_read64(*fn, 4, 0x2000); }

	RecordingSink sink;
	std::unique_ptr<PciFunction> fn;
	uint16_t msi = 0;
	uint16_t msix = 0;
};

using P = std::vector<std::pair<IrqKind, unsigned>>;

TEST_F(NicInterrupts, MsiFlagsWritableBits)
{
	EXPECT_EQ(fn->config_read(msi + kMsiFlags, 2), 0x0186u);   /* mask, 64-bit, 8 capable */
	fn->config_write(msi + kMsiFlags, 2, 0xffff);
	EXPECT_EQ(fn->config_read(msi + kMsiFlags, 2), 0x01b7u);   /* enable, 8 enabled */
}

TEST_F(NicInterrupts, MsiEnableAboveCapableIsClamped)
{
	fn->config_write(msi + kMsiFlags, 2, kMsiFlagsEnable | (5 << 4));
	EXPECT_EQ((fn->config_read(msi + kMsiFlags, 2) & kMsiFlagsQsize) >> 4, 3u);
}

TEST_F(NicInterrupts, MsiAddressAndDataRegisters)
{
	fn->config_write(msi + kMsiAddressLo, 4, 0xffffffff);
	fn->config_write(msi + kMsiAddressHi, 4, 0xffffffff);
	fn->config_write(msi + kMsiData64, 4, 0xffffffff);
	EXPECT_EQ(fn->config_read(msi + kMsiAddressLo, 4), 0xfffffffcu);
	EXPECT_EQ(fn->config_read(msi + kMsiAddressHi, 4), 0xffffffffu);
	EXPECT_EQ(fn->config_read(msi + kMsiData64, 4), 0x0000ffffu);   /* reserved half RO */
}

TEST_F(NicInterrupts, MsiMaskBitsOnlyForImplementedVectors)
{
	fn->config_write(msi + kMsiMask64, 4, 0xffffffff);
	EXPECT_EQ(fn->config_read(msi + kMsiMask64, 4), 0xffu);
	fn->config_write(msi + kMsiPending64, 4, 0xffffffff);
	EXPECT_EQ(fn->config_read(msi + kMsiPending64, 4), 0u);
}

TEST_F(NicInterrupts, MsiDelivered)
{
	enable_msi(3);
	fn->signal_interrupt(5);
	EXPECT_EQ(sink.events(), (P{{IrqKind::Msi, 5}}));
}

TEST_F(NicInterrupts, MsiBeyondEnabledVectorsDropped)
{
	enable_msi(1);   /* 2 vectors */
	fn->signal_interrupt(2);
	EXPECT_TRUE(sink.events().empty());
}

TEST_F(NicInterrupts, MsiNeedsBusMaster)
{
	enable_msi(0);
	fn->config_write(kCommand, 2, kCommandMemory);
	fn->signal_interrupt(0);
	EXPECT_TRUE(sink.events().empty());
}

TEST_F(NicInterrupts, MaskedMsiPendsUntilUnmasked)
{
	enable_msi(3);
	fn->config_write(msi + kMsiMask64, 4, 0x4);
	fn->signal_interrupt(2);
	EXPECT_TRUE(sink.events().empty());
	EXPECT_EQ(fn->config_read(msi + kMsiPending64, 4), 0x4u);
	fn->config_write(msi + kMsiMask64, 4, 0);
	EXPECT_EQ(sink.events(), (P{{IrqKind::Msi, 2}}));
	EXPECT_EQ(fn->config_read(msi + kMsiPending64, 4), 0u);
}

TEST_F(NicInterrupts, MsixTableStartsMasked)
{
	for (unsigned v : {0u, 1u, 63u}) {
		EXPECT_EQ(bar_read32(*fn, 4, v * 16 + kMsixEntryVectorCtrl), kMsixEntryCtrlMasked);
		EXPECT_EQ(bar_read64(*fn, 4, v * 16), 0u);
	}
	EXPECT_EQ(pba(), 0u);
}

TEST_F(NicInterrupts, MsixMaskedEntryPendsThenDeliversOnUnmask)
{
	enable_msix();
	fn->signal_interrupt(3);
	EXPECT_TRUE(sink.events().empty());
	EXPECT_EQ(pba(), 1u << 3);
	unmask_entry(3);
	EXPECT_EQ(sink.events(), (P{{IrqKind::Msix, 3}}));
	EXPECT_EQ(pba(), 0u);
}

TEST_F(NicInterrupts, MsixUnmaskedEntryDelivers)
{
	enable_msix();
	unmask_entry(0);
	fn->signal_interrupt(0);
	EXPECT_EQ(sink.events(), (P{{IrqKind::Msix, 0}}));
}

TEST_F(NicInterrupts, MsixFunctionMask)
{
	enable_msix(kMsixFlagsMaskAll);
	unmask_entry(7);
	fn->signal_interrupt(7);
	EXPECT_TRUE(sink.events().empty());
	EXPECT_EQ(pba(), 1u << 7);
	enable_msix();
	EXPECT_EQ(sink.events(), (P{{IrqKind::Msix, 7}}));
}

TEST_F(NicInterrupts, MsixPbaIsReadOnly)
{
	enable_msix();
	fn->signal_interrupt(1);
	bar_write64(*fn, 4, 0x2000, 0xffffffffffffffffull);
	EXPECT_EQ(pba(), 1u << 1);
}

TEST_F(NicInterrupts, MsixNeedsBusMaster)
{
	enable_msix();
	unmask_entry(0);
	fn->config_write(kCommand, 2, kCommandMemory);
	fn->signal_interrupt(0);
	EXPECT_TRUE(sink.events().empty());
	EXPECT_EQ(pba(), 0u);
}

TEST_F(NicInterrupts, MsixTakesPrecedenceOverMsi)
{
	enable_msi(0);
	enable_msix();
	unmask_entry(0);
	fn->signal_interrupt(0);
	EXPECT_EQ(sink.events(), (P{{IrqKind::Msix, 0}}));
}

TEST_F(NicInterrupts, IntxAssertsAndShowsInStatus)
{
	fn->signal_interrupt(0);
	EXPECT_EQ(sink.events(), (P{{IrqKind::Intx, 0}}));
	EXPECT_TRUE(fn->config_read(kStatus, 2) & kStatusInterrupt);
	fn->set_intx(false);
	EXPECT_FALSE(fn->config_read(kStatus, 2) & kStatusInterrupt);
}

TEST_F(NicInterrupts, IntxLevelRaisesOncePerAssertion)
{
	fn->set_intx(true);
	fn->set_intx(true);
	EXPECT_EQ(sink.count(IrqKind::Intx), 1u);
	fn->set_intx(false);
	fn->set_intx(true);
	EXPECT_EQ(sink.count(IrqKind::Intx), 2u);
}

TEST_F(NicInterrupts, IntxDisableMasksTheLineNotTheStatus)
{
	fn->config_write(kCommand, 2, fn->config_read(kCommand, 2) | kCommandIntxDisable);
	fn->set_intx(true);
	EXPECT_TRUE(sink.events().empty());
	EXPECT_TRUE(fn->config_read(kStatus, 2) & kStatusInterrupt);
	fn->config_write(kCommand, 2, fn->config_read(kCommand, 2) & ~kCommandIntxDisable);
	EXPECT_EQ(sink.events(), (P{{IrqKind::Intx, 0}}));
}

TEST_F(NicInterrupts, EnablingMsiDeassertsIntx)
{
	fn->set_intx(true);
	enable_msi(0);
	EXPECT_FALSE(fn->config_read(kStatus, 2) & kStatusInterrupt);
}

TEST_F(NicInterrupts, SinkMayCallBackIntoTheFunction)
{
	/* vfio-pci's INTx handler masks with INTX_DISABLE from the handler. */
	sink.hook = [this] {
		if (fn->config_read(kStatus, 2) & kStatusInterrupt)
			fn->config_write(kCommand, 2,
					 fn->config_read(kCommand, 2) | kCommandIntxDisable);
	};
	fn->set_intx(true);
	EXPECT_EQ(sink.count(IrqKind::Intx), 1u);
	EXPECT_TRUE(fn->config_read(kCommand, 2) & kCommandIntxDisable);
}

TEST(Intx, NoPinNoInterrupt)
{
	RecordingSink sink;
	auto fn = make_preset("ivshmem-plain");
	fn->set_interrupt_sink(&sink);
	fn->signal_interrupt(0);
	EXPECT_TRUE(sink.events().empty());
	EXPECT_FALSE(fn->config_read(kStatus, 2) & kStatusInterrupt);
}

TEST(Intx, NoSinkIsHarmless)
{
	auto fn = make_preset("nic");
	fn->set_intx(true);
	EXPECT_TRUE(fn->config_read(kStatus, 2) & kStatusInterrupt);
}

} /* namespace */
} /* namespace softvfio::pci::test */
