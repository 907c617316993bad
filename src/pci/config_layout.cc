/* SPDX-License-Identifier: MIT */
#include "pci/config_layout.h"

#include "pci/regs.h"
#include "pci/sriov.h"

namespace softvfio::pci {

namespace {

using namespace regs;

void build_header(const DeviceDescription &desc, ConfigSpace &cfg)
{
	cfg.set_word(kVendorId, desc.vendor_id);
	cfg.set_word(kDeviceId, desc.device_id);
	/* revision at 0x08, then prog-if, sub-class, base class */
	cfg.set_dword(kRevisionId, desc.revision | (desc.class_code << 8));
	cfg.set_byte(kHeaderType, kHeaderTypeNormal);
	cfg.set_word(kSubsystemVendorId, desc.subsystem_vendor_id);
	cfg.set_word(kSubsystemId, desc.subsystem_id);
	cfg.set_byte(kInterruptPin, desc.interrupt_pin);
	if (desc.virtual_function) {
		/* A VF's vendor and device ID registers read all ones; the
		 * PCI core knows its IDs from the PF's SR-IOV capability. */
		cfg.set_dword(kVendorId, 0xffffffff);
	}

	/* What QEMU's devices implement: these command bits, the cache line
	 * size and interrupt line as scratch registers, RW1C error bits. */
	cfg.set_wmask(kCommand, 2,
		      desc.virtual_function ? regs::kCommandWritable & ~kCommandMemory : regs::kCommandWritable);
	cfg.set_wmask(kCacheLineSize, 1, 0xff);
	cfg.set_wmask(kInterruptLine, 1, 0xff);
	cfg.set_w1cmask(kStatus, 2, kStatusRw1cMask);
}

void build_bars(const DeviceDescription &desc, ConfigSpace &cfg)
{
	/* A VF's own BAR registers are read-only zero (SR-IOV: the VF BARs
	 * live in the PF's capability); the PCI core knows each VF BAR's
	 * address and size from there, as the function's bars do. */
	if (desc.virtual_function)
		return;
	for (unsigned i = 0; i < 6; ++i) {
		const BarDescription &bar = desc.bars[i];
		const uint16_t reg = bar_offset(i);
		const uint64_t size_mask = ~(bar.size - 1);
		switch (bar.kind) {
		case BarKind::None:
			break;
		case BarKind::Io:
			cfg.set_dword(reg, kBarSpaceIo);
			cfg.set_wmask(reg, 4, static_cast<uint32_t>(size_mask) & kBarIoMask);
			break;
		case BarKind::Mem32:
		case BarKind::Mem64: {
			const bool is64 = bar.kind == BarKind::Mem64;
			cfg.set_dword(reg, (is64 ? kBarMemType64 : kBarMemType32) |
						   (bar.prefetchable ? kBarMemPrefetch : 0));
			cfg.set_wmask(reg, 4, static_cast<uint32_t>(size_mask) & kBarMemMask);
			if (is64)
				cfg.set_wmask(reg + 4, 4, static_cast<uint32_t>(size_mask >> 32));
			break;
		}
		}
	}
	if (desc.rom_size)
		cfg.set_wmask(kRomAddress, 4, (~(desc.rom_size - 1) & kRomAddressMask) | kRomEnable);
}

/* Appends capabilities to the chain, dword-aligned, in call order. */
class CapBuilder
{
public:
	CapBuilder(ConfigSpace &cfg, ConfigLayout &layout) : cfg_(cfg), layout_(layout) {}

	uint16_t add(uint8_t id, uint16_t length)
	{
		const uint16_t at = next_;
		cfg_.set_byte(at, id);
		cfg_.set_byte(at + kCapNext, 0);
		if (last_)
			cfg_.set_byte(last_ + kCapNext, static_cast<uint8_t>(at));
		else
			cfg_.set_byte(kCapabilityList, static_cast<uint8_t>(at));
		last_ = at;
		next_ = static_cast<uint16_t>((at + length + 3) & ~3u);
		layout_.list.push_back({id, at, length, false});
		return at;
	}

private:
	ConfigSpace &cfg_;
	ConfigLayout &layout_;
	uint16_t next_ = kStdHeaderSize;
	uint16_t last_ = 0;
};

uint16_t build_pm(const PmCapability &pm, CapBuilder &caps, ConfigSpace &cfg)
{
	const uint16_t at = caps.add(kCapIdPm, kPmSizeof);
	/* version 3: PCI Power Management 1.2 */
	cfg.set_word(at + kPmPmc, static_cast<uint16_t>(3 | (pm.d1 ? kPmcD1 : 0) |
							(pm.d2 ? kPmcD2 : 0) |
							(pm.pme_support << 11)));
	cfg.set_word(at + kPmCtrl, pm.no_soft_reset ? kPmCtrlNoSoftReset : 0);
	uint16_t wmask = kPmCtrlStateMask;
	if (pm.pme_support) {
		wmask |= kPmCtrlPmeEnable;
		cfg.set_w1cmask(at + kPmCtrl, 2, kPmCtrlPmeStatus);
	}
	cfg.set_wmask(at + kPmCtrl, 2, wmask);
	return at;
}

unsigned log2_of(unsigned v)
{
	unsigned n = 0;
	while ((1u << n) < v)
		++n;
	return n;
}

uint16_t build_msi(const MsiCapability &msi, CapBuilder &caps, ConfigSpace &cfg)
{
	const MsiLayout l = msi_layout(msi.address64, msi.per_vector_mask);
	const uint16_t at = caps.add(kCapIdMsi, l.length);
	cfg.set_word(at + kMsiFlags,
		     static_cast<uint16_t>((log2_of(msi.vectors) << 1) |
					   (msi.address64 ? kMsiFlags64Bit : 0) |
					   (msi.per_vector_mask ? kMsiFlagsMaskBit : 0)));
	cfg.set_wmask(at + kMsiFlags, 2, kMsiFlagsEnable | kMsiFlagsQsize);
	cfg.set_wmask(at + kMsiAddressLo, 4, 0xfffffffc);
	if (msi.address64)
		cfg.set_wmask(at + kMsiAddressHi, 4, 0xffffffff);
	cfg.set_wmask(at + l.data, 2, 0xffff);
	if (msi.per_vector_mask) {
		const uint32_t vectors_mask =
			msi.vectors == 32 ? 0xffffffffu : (1u << msi.vectors) - 1;
		cfg.set_wmask(at + l.mask, 4, vectors_mask);
	}
	return at;
}

uint16_t payload_code(uint16_t bytes)
{
	return static_cast<uint16_t>(log2_of(bytes) - 7);
}

/* PCI Express capability, version 2, endpoint layout. Link figures are
 * plausible (8 GT/s x8) rather than anyone's in particular. */
uint16_t build_express(const ExpressCapability &exp, CapBuilder &caps, ConfigSpace &cfg)
{
	const uint16_t at = caps.add(kCapIdExpress, kExpV2SizeofEndpoint);
	cfg.set_word(at + kExpFlags, static_cast<uint16_t>(2 | (unsigned(exp.port_type) << 4)));

	uint32_t devcap = payload_code(exp.max_payload) | 0x20 /* extended tags */ |
			  (7u << 6) | (7u << 9) /* L0s/L1 acceptable latency: no limit */ |
			  0x8000 /* role-based error reporting */;
	if (exp.flr)
		devcap |= kExpDevCapFlr;
	cfg.set_dword(at + kExpDevCap, devcap);
	/* Defaults after reset: relaxed ordering, no snoop, 512-byte reads. */
	cfg.set_word(at + kExpDevCtl, kExpDevCtlRelaxedOrder | kExpDevCtlNoSnoop | 0x2000);
	cfg.set_wmask(at + kExpDevCtl, 2,
		      kExpDevCtlCere | kExpDevCtlNfere | kExpDevCtlFere | kExpDevCtlUrre |
			      kExpDevCtlRelaxedOrder | kExpDevCtlPayloadMask | kExpDevCtlExtTag |
			      kExpDevCtlNoSnoop | kExpDevCtlReadRqMask);
	cfg.set_w1cmask(at + kExpDevSta, 2, 0x000f);

	if (exp.port_type != ExpressPortType::RootComplexIntegrated) {
		cfg.set_dword(at + kExpLnkCap, 0x00000083);   /* 8 GT/s, x8 */
		cfg.set_wmask(at + kExpLnkCtl, 2, 0x00cb);    /* ASPM, RCB, CCC, ES */
		cfg.set_word(at + kExpLnkSta, 0x1083);        /* slot clock, x8 at 8 GT/s */
		cfg.set_dword(at + kExpLnkCap2, 0x0000000e);  /* 2.5, 5, 8 GT/s */
		cfg.set_word(at + kExpLnkCtl2, 0x0003);       /* target 8 GT/s */
		cfg.set_wmask(at + kExpLnkCtl2, 2, 0x000f);
	}
	cfg.set_dword(at + kExpDevCap2, 0x0000001f);  /* completion timeout ranges + disable */
	cfg.set_wmask(at + kExpDevCtl2, 2, 0x001f);
	return at;
}

uint16_t build_msix(const MsixCapability &msix, CapBuilder &caps, ConfigSpace &cfg)
{
	const uint16_t at = caps.add(kCapIdMsix, kMsixSizeof);
	cfg.set_word(at + kMsixFlags, static_cast<uint16_t>(msix.vectors - 1));
	cfg.set_wmask(at + kMsixFlags, 2, kMsixFlagsMaskAll | kMsixFlagsEnable);
	cfg.set_dword(at + kMsixTable, msix.table_offset | msix.table_bar);
	cfg.set_dword(at + kMsixPba, msix.pba_offset | msix.pba_bar);
	return at;
}

} /* namespace */

MsiLayout msi_layout(bool address64, bool per_vector_mask)
{
	const uint16_t data = address64 ? regs::kMsiData64 : regs::kMsiData32;
	if (!per_vector_mask)
		return {data, 0, 0, static_cast<uint16_t>(data + 2)};
	const uint16_t mask = address64 ? regs::kMsiMask64 : regs::kMsiMask32;
	return {data, mask, static_cast<uint16_t>(mask + 4), static_cast<uint16_t>(mask + 8)};
}

ConfigLayout build_config_space(const DeviceDescription &desc, ConfigSpace &cfg)
{
	ConfigLayout layout;
	build_header(desc, cfg);
	build_bars(desc, cfg);

	CapBuilder caps(cfg, layout);
	if (desc.pm)
		layout.caps.pm = build_pm(*desc.pm, caps, cfg);
	if (desc.msi)
		layout.caps.msi = build_msi(*desc.msi, caps, cfg);
	if (desc.express)
		layout.caps.express = build_express(*desc.express, caps, cfg);
	if (desc.msix)
		layout.caps.msix = build_msix(*desc.msix, caps, cfg);
	if (!layout.list.empty())
		cfg.set_word(kStatus, kStatusCapList);
	/* The only extended capability the model builds: SR-IOV, first in
	 * the extended chain. */
	if (desc.sriov) {
		const uint16_t len = build_sriov_capability(*desc.sriov, cfg, kExtCapStart);
		layout.list.push_back({kExtCapIdSriov, kExtCapStart, len, true});
	}
	return layout;
}

void write_bar_registers(ConfigSpace &cfg, const std::array<Bar, 6> &bars, const Bar &rom)
{
	for (unsigned i = 0; i < 6; ++i) {
		const Bar &bar = bars[i];
		const uint16_t reg = bar_offset(i);
		if (bar.kind == BarKind::None)
			continue;
		/* Written as the bus takes a config write: only the address
		 * bits the register implements (all of an aligned address,
		 * none of a VF's read-only zero registers). */
		cfg.write(reg, 4, static_cast<uint32_t>(bar.address));
		if (bar.kind == BarKind::Mem64)
			cfg.write(reg + 4, 4, static_cast<uint32_t>(bar.address >> 32));
	}
	if (rom.size)
		cfg.set_dword(kRomAddress, static_cast<uint32_t>(rom.address));
}

} /* namespace softvfio::pci */
