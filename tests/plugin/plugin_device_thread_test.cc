/* SPDX-License-Identifier: MIT */
/*
 * A plugin's deferred steps on the device thread, with the example device
 * (examples/plugin/ringdev): its doorbell schedules a step, the step
 * fetches the descriptor and writes the completion by DMA through the
 * function's DmaPort and raises the interrupt, under the function's lock.
 */
#include <chrono>
#include <thread>

#include "pci/pci_test_util.h"

namespace softvfio::pci::test {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<PciFunction> plugin_function(const std::string &file)
{
	auto resolved = resolve_device(file);
	if (auto *e = std::get_if<DescriptionError>(&resolved)) {
		ADD_FAILURE() << e->message();
		return nullptr;
	}
	return make_function(std::get<DeviceDescription>(resolved));
}

} /* namespace */
} /* namespace softvfio::pci::test */

namespace softvfio::pci::test {
namespace {

/* ringdev's queue runs on the device thread: its doorbell schedules a
 * step, the step fetches and completes by DMA and raises MSI-X. */
TEST(PluginDeviceThread, RingdevCompletesItsQueue)
{
	auto fn = plugin_function(RINGDEV_PLUGIN);
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
	for (int i = 0; i < 500 && bar_read32(*fn, 0, 0x34) == 0; ++i)
		std::this_thread::sleep_for(2ms);
	EXPECT_EQ(bar_read32(*fn, 0, 0x34), 1u) << "completed";
	EXPECT_EQ(bar_read32(*fn, 0, 0x28), 1u) << "head";
	EXPECT_EQ(*dma.at(0x18000), 0x33);
	EXPECT_EQ(*dma.at(0x14000), 7) << "the completion's tag";
	EXPECT_EQ(sink.count(IrqKind::Intx), 1u) << "no MSI or MSI-X enabled: INTx";
}

} /* namespace */
} /* namespace softvfio::pci::test */
