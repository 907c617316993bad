/* SPDX-License-Identifier: MIT */
/*
 * QEMU's edu register model, through bar_read/bar_write of the edu preset:
 * the figures the 6.12 guest test checks (ID, liveness, factorial(10), an
 * MSI per raise, DMA through the IOMMU and a refused unmapped DMA) and the
 * rest of edu.rst.
 */
#include "pci/edu_model.h"
#include "pci_test_util.h"

namespace softvfio::pci::test {
namespace {

using namespace regs;

class Edu : public ::testing::Test
{
protected:
	void SetUp() override
	{
		fn = make_preset("edu");
		fn->set_interrupt_sink(&sink);
		fn->set_dma_port(&dma);
		enable_master(*fn);
	}
	uint32_t reg(uint64_t offset) { return bar_read32(*fn, 0, offset); }
	void set(uint64_t offset, uint32_t v) { bar_write32(*fn, 0, offset, v); }
	void enable_msi()
	{
		fn->config_write(0x40 + kMsiFlags, 2, kMsiFlagsEnable);
	}
	void run_dma(uint64_t src, uint64_t dst, uint64_t count, uint64_t cmd)
	{
		bar_write64(*fn, 0, 0x80, src);
		bar_write64(*fn, 0, 0x88, dst);
		bar_write64(*fn, 0, 0x90, count);
		bar_write64(*fn, 0, 0x98, cmd);
	}

	RecordingSink sink;
	FakeDma dma;
	std::unique_ptr<PciFunction> fn;
};

using P = std::vector<std::pair<IrqKind, unsigned>>;

TEST_F(Edu, IdRegister)
{
	EXPECT_EQ(reg(0x00), 0x010000edu);
	set(0x00, 0);
	EXPECT_EQ(reg(0x00), 0x010000edu);
}

TEST_F(Edu, LivenessInverts)
{
	EXPECT_EQ(reg(0x04), 0u);
	set(0x04, 0x12345678);
	EXPECT_EQ(reg(0x04), 0xedcba987u);
}

TEST_F(Edu, FactorialOfTen)
{
	set(0x08, 10);
	EXPECT_EQ(reg(0x20) & 1, 0u);   /* computed synchronously: never busy */
	EXPECT_EQ(reg(0x08), 3628800u);
}

TEST_F(Edu, FactorialWrapsIn32Bits)
{
	set(0x08, 0);
	EXPECT_EQ(reg(0x08), 1u);
	set(0x08, 13);
	EXPECT_EQ(reg(0x08), 1932053504u);   /* 13! mod 2^32 */
	set(0x08, 0xffffffff);
	EXPECT_EQ(reg(0x08), 0u);
}

TEST_F(Edu, FactorialInterruptWhenAsked)
{
	set(0x20, 0x80);
	EXPECT_EQ(reg(0x20), 0x80u);
	set(0x08, 5);
	EXPECT_EQ(reg(0x24), EduModel::kFactorialIrq);
	EXPECT_EQ(sink.events(), (P{{IrqKind::Intx, 0}}));
}

TEST_F(Edu, StatusComputingBitIsReadOnly)
{
	set(0x20, 0xff);
	EXPECT_EQ(reg(0x20), 0x80u);
}

TEST_F(Edu, RaiseWithMsiSendsOneMessagePerWrite)
{
	enable_msi();
	set(0x60, 0x4242);
	EXPECT_EQ(sink.events(), (P{{IrqKind::Msi, 0}}));
	EXPECT_EQ(reg(0x24), 0x4242u);
	set(0x60, 0x1);
	EXPECT_EQ(sink.count(IrqKind::Msi), 2u);
	set(0x64, 0x4243);
	EXPECT_EQ(reg(0x24), 0u);
}

TEST_F(Edu, RaiseWithoutMsiAssertsIntxUntilAcked)
{
	set(0x60, 0x3);
	EXPECT_EQ(sink.events(), (P{{IrqKind::Intx, 0}}));
	EXPECT_TRUE(fn->config_read(kStatus, 2) & kStatusInterrupt);
	set(0x64, 0x1);
	EXPECT_TRUE(fn->config_read(kStatus, 2) & kStatusInterrupt);
	set(0x64, 0x2);
	EXPECT_FALSE(fn->config_read(kStatus, 2) & kStatusInterrupt);
}

TEST_F(Edu, RaiseOfZeroRaisesNothing)
{
	set(0x60, 0);
	EXPECT_TRUE(sink.events().empty());
}

TEST_F(Edu, OnlyFourByteAccessesBelow0x80)
{
	uint16_t half = 0;
	ASSERT_TRUE(fn->bar_read(0, 0x00, &half, 2).ok());
	EXPECT_EQ(half, 0u); /* refused by QEMU's memory core: reads 0 */
	EXPECT_EQ(bar_read64(*fn, 0, 0x00), ~uint64_t(0));
	uint16_t v = 0x1234;
	ASSERT_TRUE(fn->bar_write(0, 0x04, &v, 2).ok());
	EXPECT_EQ(reg(0x04), 0u);
}

TEST_F(Edu, UnknownRegistersReadAllOnes)
{
	EXPECT_EQ(reg(0x0c), 0xffffffffu);
	EXPECT_EQ(reg(0x84), 0xffffffffu);
	EXPECT_EQ(reg(0x40000), 0xffffffffu);   /* the DMA buffer is not MMIO */
}

TEST_F(Edu, DmaRegistersAre64Bit)
{
	bar_write64(*fn, 0, 0x80, 0x123456789aull);
	EXPECT_EQ(bar_read64(*fn, 0, 0x80), 0x123456789aull);
	EXPECT_EQ(reg(0x80), 0x3456789au);
	set(0x88, 0x40000);
	EXPECT_EQ(bar_read64(*fn, 0, 0x88), 0x40000u);
}

TEST_F(Edu, DmaRoundTripThroughTheIommu)
{
	dma.map(0x100000, 8192);
	for (unsigned i = 0; i < 4000; ++i)
		dma.at(0x100000)[i] = static_cast<uint8_t>(i * 7);
	run_dma(0x100000, 0x40000, 4000, 1);
	EXPECT_EQ(bar_read64(*fn, 0, 0x98) & 1, 0u);
	run_dma(0x40000, 0x101000, 4000, 1 | 2);
	EXPECT_EQ(std::memcmp(dma.at(0x100000), dma.at(0x101000), 4000), 0);
	EXPECT_EQ(dma.at(0x101000)[4000], 0u);
}

TEST_F(Edu, DmaEndingAtTheBufferEndIsAllowed)
{
	dma.map(0x100000, 4096);
	run_dma(0x100000, 0x40000, 4096, 1);
	EXPECT_EQ(dma.calls, 1u);
}

TEST_F(Edu, DmaOutsideTheBufferIsRefused)
{
	dma.map(0x100000, 8192);
	run_dma(0x100000, 0x40000, 4097, 1);
	run_dma(0x100000, 0x3ffff, 16, 1);
	run_dma(0x40800, 0x100000, 0xfffffffffffff000ull, 1 | 2);
	EXPECT_EQ(dma.calls, 0u);
	EXPECT_EQ(bar_read64(*fn, 0, 0x98) & 1, 0u);
}

TEST_F(Edu, DmaToUnmappedIovaLeavesMemoryAlone)
{
	dma.map(0x100000, 4096);
	std::memset(dma.at(0x100000), 0x5a, 4096);
	run_dma(0x40000, 0x101000, 64, 1 | 2);
	EXPECT_EQ(dma.calls, 1u);
	EXPECT_EQ(dma.at(0x100000)[4095], 0x5au);
}

TEST_F(Edu, DmaAddressesUseA28BitMask)
{
	dma.map(0x100000, 4096);
	dma.at(0x100000)[0] = 0x77;
	run_dma(0x10100000, 0x40000, 1, 1);   /* bit 28 dropped */
	run_dma(0x40000, 0x100010, 1, 1 | 2);
	EXPECT_EQ(dma.at(0x100010)[0], 0x77u);
}

TEST_F(Edu, DmaInterruptWhenAsked)
{
	enable_msi();
	dma.map(0x100000, 4096);
	run_dma(0x100000, 0x40000, 16, 1 | 4);
	EXPECT_EQ(reg(0x24), EduModel::kDmaIrq);
	EXPECT_EQ(sink.events(), (P{{IrqKind::Msi, 0}}));
}

TEST_F(Edu, DmaCommandWithoutStartIsIgnored)
{
	bar_write64(*fn, 0, 0x98, 4);
	EXPECT_EQ(bar_read64(*fn, 0, 0x98), 0u);
}

TEST_F(Edu, DmaWithoutPortFailsQuietly)
{
	fn->set_dma_port(nullptr);
	run_dma(0x100000, 0x40000, 16, 1 | 4);
	EXPECT_EQ(reg(0x24), EduModel::kDmaIrq);   /* the device still completes */
}

TEST_F(Edu, DmaNeedsBusMaster)
{
	dma.map(0x100000, 4096);
	fn->config_write(kCommand, 2, kCommandMemory);
	run_dma(0x100000, 0x40000, 16, 1);
	EXPECT_EQ(dma.calls, 0u);
}

TEST_F(Edu, IdMirroredIntoTheMemfd)
{
	uint32_t id = 0;
	ASSERT_EQ(::pread(fn->memory_fd(), &id, 4, static_cast<off_t>(region_offset(0))), 4);
	EXPECT_EQ(id, 0x010000edu);
	set(0x04, 0);
	uint32_t liveness = 0;
	ASSERT_EQ(::pread(fn->memory_fd(), &liveness, 4, static_cast<off_t>(region_offset(0) + 4)), 4);
	EXPECT_EQ(liveness, 0xffffffffu);
}

} /* namespace */
} /* namespace softvfio::pci::test */
