/* SPDX-License-Identifier: MIT */
/*
 * The capability list: its deterministic layout, the chain as software
 * walks it, and the registers of PM, PCI Express and MSI-X (MSI and MSI-X
 * delivery are in interrupts_test.cc).
 */
#include "pci_test_util.h"

namespace softvfio::pci::test {
namespace {

using namespace regs;

/* Walk the chain as Linux does, from the capability pointer. */
std::vector<std::pair<uint8_t, uint8_t>> walk(PciFunction &fn)
{
	std::vector<std::pair<uint8_t, uint8_t>> chain;
	uint8_t at = static_cast<uint8_t>(fn.config_read(kCapabilityList, 1));
	while (at && chain.size() < 48) {
		chain.emplace_back(at, static_cast<uint8_t>(fn.config_read(at, 1)));
		at = static_cast<uint8_t>(fn.config_read(at + kCapNext, 1));
	}
	return chain;
}

TEST(Capabilities, NicChainWalk)
{
	auto fn = make_preset("nic");
	using P = std::pair<uint8_t, uint8_t>;
	EXPECT_EQ(walk(*fn), (std::vector<P>{{0x40, kCapIdPm}, {0x48, kCapIdMsi},
					     {0x60, kCapIdExpress}, {0x9c, kCapIdMsix}}));
	EXPECT_EQ(fn->config_read(kStatus, 2) & kStatusCapList, kStatusCapList);
}

TEST(Capabilities, ListMatchesChainWithLengths)
{
	auto fn = make_preset("nic");
	auto caps = fn->capabilities();
	ASSERT_EQ(caps.size(), 4u);
	EXPECT_EQ(caps[0].id, kCapIdPm);
	EXPECT_EQ(caps[0].length, kPmSizeof);
	EXPECT_EQ(caps[1].id, kCapIdMsi);
	EXPECT_EQ(caps[1].length, 0x18u);   /* 64-bit with per-vector masking */
	EXPECT_EQ(caps[2].id, kCapIdExpress);
	EXPECT_EQ(caps[2].length, kExpV2SizeofEndpoint);
	EXPECT_EQ(caps[3].id, kCapIdMsix);
	EXPECT_EQ(caps[3].length, kMsixSizeof);
	for (const auto &cap : caps) {
		EXPECT_FALSE(cap.extended);
		EXPECT_EQ(fn->find_capability(static_cast<uint8_t>(cap.id)), cap.offset);
	}
	EXPECT_EQ(fn->find_capability(kCapIdVpd), 0u);
}

TEST(Capabilities, MsiLengthsFollowItsFlags)
{
	const struct {
		const char *msi;
		uint16_t length;
	} cases[] = {
		{"[msi]\naddress64 = false\n", 0x0a},
		{"[msi]\naddress64 = true\n", 0x0e},
		{"[msi]\naddress64 = false\nper_vector_mask = true\n", 0x14},
		{"[msi]\naddress64 = true\nper_vector_mask = true\n", 0x18},
	};
	for (const auto &c : cases) {
		auto fn = make_from_toml(small_device("", "", c.msi));
		ASSERT_EQ(fn->capabilities().size(), 1u);
		EXPECT_EQ(fn->capabilities()[0].length, c.length) << c.msi;
	}
}

TEST(Capabilities, ChainIsReadOnly)
{
	auto fn = make_preset("nic");
	fn->config_write(kCapabilityList, 1, 0x80);
	fn->config_write(0x40 + kCapNext, 1, 0);
	EXPECT_EQ(walk(*fn).size(), 4u);
}

TEST(PmCapability, PmcAdvertisesVersionAndStates)
{
	auto fn = make_from_toml(small_device("", "", "[pm]\nd1 = true\nd2 = false\npme_support = 0x19\n"));
	const uint16_t pm = fn->find_capability(kCapIdPm);
	const uint16_t pmc = static_cast<uint16_t>(fn->config_read(pm + kPmPmc, 2));
	EXPECT_EQ(pmc & kPmcVersionMask, 3u);
	EXPECT_TRUE(pmc & kPmcD1);
	EXPECT_FALSE(pmc & kPmcD2);
	EXPECT_EQ(pmc >> 11, 0x19u);
	fn->config_write(pm + kPmPmc, 2, 0);
	EXPECT_EQ(fn->config_read(pm + kPmPmc, 2), pmc);
}

TEST(PmCapability, NoSoftResetBitFromDescription)
{
	auto with = make_from_toml(small_device("", "", "[pm]\nno_soft_reset = true\n"));
	auto without = make_preset("nic");
	const uint16_t a = with->find_capability(kCapIdPm);
	const uint16_t b = without->find_capability(kCapIdPm);
	EXPECT_TRUE(with->config_read(a + kPmCtrl, 2) & kPmCtrlNoSoftReset);
	EXPECT_FALSE(without->config_read(b + kPmCtrl, 2) & kPmCtrlNoSoftReset);
	with->config_write(a + kPmCtrl, 2, 0);
	EXPECT_TRUE(with->config_read(a + kPmCtrl, 2) & kPmCtrlNoSoftReset);
}

TEST(PmCapability, PmeEnableWritableOnlyWithPmeSupport)
{
	auto pme = make_preset("nic");
	auto none = make_from_toml(small_device("", "", "[pm]\n"));
	const uint16_t a = pme->find_capability(kCapIdPm);
	const uint16_t b = none->find_capability(kCapIdPm);
	pme->config_write(a + kPmCtrl, 2, kPmCtrlPmeEnable);
	none->config_write(b + kPmCtrl, 2, kPmCtrlPmeEnable);
	EXPECT_EQ(pme->config_read(a + kPmCtrl, 2) & kPmCtrlPmeEnable, kPmCtrlPmeEnable);
	EXPECT_EQ(none->config_read(b + kPmCtrl, 2) & kPmCtrlPmeEnable, 0u);
}

TEST(ExpressCapability, FlagsAndDevcap)
{
	auto fn = make_preset("nic");
	const uint16_t exp = fn->find_capability(kCapIdExpress);
	const uint32_t flags = fn->config_read(exp + kExpFlags, 2);
	EXPECT_EQ(flags & kExpFlagsVersionMask, 2u);
	EXPECT_EQ(flags & kExpFlagsTypeMask, 0u);   /* endpoint */
	const uint32_t devcap = fn->config_read(exp + kExpDevCap, 4);
	EXPECT_EQ(devcap & kExpDevCapFlr, kExpDevCapFlr);
	EXPECT_EQ(devcap & kExpDevCapPayloadMask, 1u);   /* 256 bytes */
}

TEST(ExpressCapability, NoFlrBitWithoutFlr)
{
	auto fn = make_from_toml(small_device("", "", "[express]\nflr = false\n"));
	const uint16_t exp = fn->find_capability(kCapIdExpress);
	EXPECT_EQ(fn->config_read(exp + kExpDevCap, 4) & kExpDevCapFlr, 0u);
	EXPECT_FALSE(fn->has_flr());
	EXPECT_EQ(fn->config_size(), 4096u);
}

TEST(ExpressCapability, DevctlDefaultsAndWritableBits)
{
	auto fn = make_preset("nic");
	const uint16_t devctl = fn->find_capability(kCapIdExpress) + kExpDevCtl;
	EXPECT_EQ(fn->config_read(devctl, 2), 0x2810u);
	fn->config_write(devctl, 2, 0x7fff);   /* everything but initiate-FLR */
	EXPECT_EQ(fn->config_read(devctl, 2), 0x79ffu);
	fn->config_write(devctl, 2, 0);
	EXPECT_EQ(fn->config_read(devctl, 2), 0u);
}

TEST(ExpressCapability, LinkRegistersArePlausible)
{
	auto fn = make_preset("nic");
	const uint16_t exp = fn->find_capability(kCapIdExpress);
	const uint32_t lnkcap = fn->config_read(exp + kExpLnkCap, 4);
	const uint32_t lnksta = fn->config_read(exp + kExpLnkSta, 2);
	EXPECT_EQ(lnksta & 0xf, lnkcap & 0xf);                  /* trained at max speed */
	EXPECT_EQ((lnksta >> 4) & 0x3f, (lnkcap >> 4) & 0x3f);  /* ... and width */
	EXPECT_NE(lnksta & 0xf, 0u);
	fn->config_write(exp + kExpLnkSta, 2, 0);
	EXPECT_EQ(fn->config_read(exp + kExpLnkSta, 2), lnksta);
}

TEST(MsixCapability, RegistersAreReadOnlyButEnableAndMask)
{
	auto fn = make_preset("nic");
	const uint16_t msix = fn->find_capability(kCapIdMsix);
	fn->config_write(msix + kMsixFlags, 2, 0xffff);
	EXPECT_EQ(fn->config_read(msix + kMsixFlags, 2), 0xc000u | 63u);
	fn->config_write(msix + kMsixTable, 4, 0xffffffff);
	fn->config_write(msix + kMsixPba, 4, 0xffffffff);
	EXPECT_EQ(fn->config_read(msix + kMsixTable, 4), 0x4u);
	EXPECT_EQ(fn->config_read(msix + kMsixPba, 4), 0x2004u);
}

} /* namespace */
} /* namespace softvfio::pci::test */
