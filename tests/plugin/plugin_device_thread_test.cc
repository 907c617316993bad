/* SPDX-License-Identifier: MIT */
/*
 * A plugin's deferred steps on the device thread, with the example device
 * (examples/plugin/ringdev): its doorbell schedules a step, the step
 * fetches the descriptor and writes the completion by DMA through the
 * function's DmaPort and raises the interrupt, under the function's lock.
 */
#include <chrono>
#include <condition_variable>
#include <mutex>

#include <unistd.h>

#include "pci/register_mirror.h"
#include "pci/pci_test_util.h"

namespace softvfio::pci::test {
namespace {

using namespace std::chrono_literals;

/* ringdev's queue runs on the device thread: its doorbell schedules a
 * step, the step fetches and completes by DMA and raises MSI-X. */
TEST(PluginDeviceThread, RingdevCompletesItsQueue)
{
	auto fn = make_from_file(RINGDEV_PLUGIN);
	ASSERT_TRUE(fn);
	RecordingSink sink;
	FakeDma dma;
	fn->set_interrupt_sink(&sink);
	fn->set_dma_port(&dma);
	enable_master(*fn);
	dma.map(0x10000, 0x10000);
	/* One FILL of 16 bytes of 0x33 at 0x18000. */
	uint8_t *sq = dma.at(0x10000);
	const uint32_t desc[8] = {2, 16, 0x33, 0, 0x18000, 0, 7, 0};
	std::memcpy(sq, desc, sizeof(desc));
	bar_write64(*fn, 0, 0x10, 0x10000);
	bar_write64(*fn, 0, 0x18, 0x14000);
	bar_write32(*fn, 0, 0x20, 8);
	bar_write32(*fn, 0, 0x08, 1);
	bar_write32(*fn, 0, 0x24, 1);
	/* The doorbell's step, and any it schedules, ran (30 s: a failure
	 * bound, not a wait). */
	ASSERT_TRUE(fn->wait_device_idle(30s));
	EXPECT_EQ(bar_read32(*fn, 0, 0x34), 1u) << "completed";
	EXPECT_EQ(bar_read32(*fn, 0, 0x28), 1u) << "head";
	EXPECT_EQ(*dma.at(0x18000), 0x33);
	EXPECT_EQ(*dma.at(0x14000), 7) << "the completion's tag";
	EXPECT_EQ(sink.count(IrqKind::Intx), 1u) << "no MSI or MSI-X enabled: INTx";
}

/* Every read ringdev declares mirrored (ABI 1.1) equals the bytes in
 * BAR0's memory, which a session client serves it from. */
void expect_mirror_agrees(PciFunction &fn, const char *when)
{
	auto reads = mirrored_reads(plugin_mirror_model(fn.description().bars[0].plugin, 0));
	ASSERT_EQ(reads.size(), 7u) << "ID, VERSION, STATUS, SQ_HEAD, CQ_TAIL, COMPLETED, FAILED";
	for (const MirroredRead &r : reads) {
		ASSERT_EQ(r.widths, 4u);
		uint32_t memory = 0;
		ASSERT_EQ(::pread(fn.memory_fd(), &memory, 4, static_cast<off_t>(region_offset(0) + r.offset)), 4);
		EXPECT_EQ(memory, bar_read32(fn, 0, r.offset)) << "offset 0x" << std::hex << r.offset << " " << when;
	}
}

/* Counts the interrupts; wait() returns once there were `n`. */
class WaitingSink final : public InterruptSink
{
public:
	void raise(IrqKind, unsigned) override
	{
		std::lock_guard lock(mu_);
		++count_;
		cv_.notify_all();
	}
	bool wait(unsigned n)
	{
		std::unique_lock lock(mu_);
		return cv_.wait_for(lock, 30s, [&] { return count_ >= n; });
	}

private:
	std::mutex mu_;
	std::condition_variable cv_;
	unsigned count_ = 0;
};

TEST(PluginDeviceThread, RingdevsMirroredReadsAreItsRegisters)
{
	auto fn = make_from_file(RINGDEV_PLUGIN);
	ASSERT_TRUE(fn);
	WaitingSink sink;
	fn->set_interrupt_sink(&sink);
	FakeDma dma;
	fn->set_dma_port(&dma);
	enable_master(*fn);
	dma.map(0x10000, 0x10000);
	expect_mirror_agrees(*fn, "after reset");
	const uint32_t desc[8] = {2, 16, 0x33, 0, 0x18000, 0, 7, 0};
	std::memcpy(dma.at(0x10000), desc, sizeof(desc));
	/* A second descriptor whose fill goes to an IOVA never mapped. */
	const uint32_t bad[8] = {2, 16, 0x44, 0, 0x900000, 0, 8, 0};
	std::memcpy(dma.at(0x10020), bad, sizeof(bad));
	bar_write64(*fn, 0, 0x10, 0x10000);
	bar_write64(*fn, 0, 0x18, 0x14000);
	bar_write32(*fn, 0, 0x20, 8);
	bar_write32(*fn, 0, 0x08, 1);
	expect_mirror_agrees(*fn, "enabled");
	bar_write32(*fn, 0, 0x24, 2);
	ASSERT_TRUE(sink.wait(1)) << "the completion interrupt (INTx: no MSI-X enabled)";
	ASSERT_EQ(bar_read32(*fn, 0, 0x34), 2u) << "completed";
	EXPECT_EQ(bar_read32(*fn, 0, 0x38), 1u) << "failed";
	expect_mirror_agrees(*fn, "after two commands");
	bar_write32(*fn, 0, 0x08, 0);
	expect_mirror_agrees(*fn, "disabled");
}

} /* namespace */
} /* namespace softvfio::pci::test */
