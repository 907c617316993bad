/* SPDX-License-Identifier: MIT */
/*
 * Everything a device host sends is untrusted: a host that breaks the
 * protocol (short packets, unknown ops, oversized requests, answers that
 * are not answers, an exit) fails its device, which then reads all ones;
 * the kernel is never confused by it. fake_host.cc plays the host.
 */
#include <cstdlib>

#include "pci/pci_test_util.h"

namespace softvfio::pci::test {
namespace {

/* A device whose BAR 0 is served by the fake host in `mode`. */
std::unique_ptr<PciFunction> fake_device(const std::string &mode)
{
	::setenv("SOFTVFIO_DEVICE_HOST", FAKE_HOST, 1);
	DeviceDescription desc;
	desc.vendor_id = 0x1234;
	desc.bars[0].kind = BarKind::Mem32;
	desc.bars[0].size = 4096;
	desc.bars[0].contents = BarContents::Registers;
	desc.bars[0].model = "plugin";
	desc.bars[0].plugin = mode;
	auto fn = PciFunction::create(desc, kTestBusBase);
	::unsetenv("SOFTVFIO_DEVICE_HOST");
	return fn ? std::move(*fn) : nullptr;
}

class PluginProtocol : public ::testing::TestWithParam<const char *>
{
};

TEST_P(PluginProtocol, ABrokenHostFailsItsDevice)
{
	auto fn = fake_device(GetParam());
	ASSERT_TRUE(fn);
	EXPECT_EQ(bar_read32(*fn, 0, 0x0), 0x600du);
	EXPECT_EQ(bar_read32(*fn, 0, 0x4), 0xffffffffu);
	EXPECT_EQ(bar_read32(*fn, 0, 0x0), 0xffffffffu) << "failed for good";
	bar_write32(*fn, 0, 0x0, 1);   /* dropped, no call */
}

INSTANTIATE_TEST_SUITE_P(Modes, PluginProtocol,
			 ::testing::Values("short", "unknown", "big-dma", "dma-read-with-payload", "wrong-answer",
					   "exit"),
			 [](const ::testing::TestParamInfo<const char *> &param) {
				 std::string name = param.param;
				 for (char &c : name)
					 c = c == '-' ? '_' : c;
				 return name;
			 });

TEST(PluginProtocolCreate, AHostThatCannotCreateFailsTheFunction)
{
	EXPECT_EQ(fake_device("create-fails"), nullptr);
}

/* Which BARs an instance serves is the host's word, checked: only those
 * it was asked for (all, or the first), said once before Done. */
TEST(PluginProtocolCreate, AHostClaimingBarsItWasNotAskedForFailsTheFunction)
{
	EXPECT_EQ(fake_device("serves-unasked"), nullptr);
}

TEST(PluginProtocolCreate, AHostThatNeverSaysWhatItServesFailsTheFunction)
{
	EXPECT_EQ(fake_device("no-serves"), nullptr);
}

} /* namespace */
} /* namespace softvfio::pci::test */
