/* SPDX-License-Identifier: MIT */
/*
 * The SR-IOV extended capability of a physical function and the
 * description of the virtual functions it spawns (pci/sriov.h).
 */
#include "pci/sriov.h"

#include "pci/regs.h"

namespace softvfio::pci {

namespace {

using namespace sriov_regs;

/* The page size the PCI core picks: the smallest supported one (Linux
 * writes it to System Page Size before enabling VFs; 4 KiB pages accept
 * any). */
uint32_t smallest_page_size(uint32_t supported)
{
	return supported & ~(supported - 1);
}

/* A VF BAR register: type bits like a function's own BAR, and the sizing
 * mask of one VF's BAR (software sizes VF BARs as it sizes BARs). */
void build_vf_bar(const BarDescription &bar, uint16_t reg, ConfigSpace &cfg)
{
	if (bar.kind != BarKind::Mem32 && bar.kind != BarKind::Mem64)
		return;
	const bool is64 = bar.kind == BarKind::Mem64;
	const uint64_t size_mask = ~(bar.size - 1);
	cfg.set_dword(reg, (is64 ? regs::kBarMemType64 : regs::kBarMemType32) |
				   (bar.prefetchable ? regs::kBarMemPrefetch : 0));
	cfg.set_wmask(reg, 4, static_cast<uint32_t>(size_mask) & regs::kBarMemMask);
	if (is64)
		cfg.set_wmask(reg + 4, 4, static_cast<uint32_t>(size_mask >> 32));
}

} /* namespace */

uint16_t build_sriov_capability(const SriovCapability &sriov, ConfigSpace &cfg, uint16_t at)
{
	cfg.set_dword(at, regs::ext_cap_header(regs::kExtCapIdSriov, kVersion, 0));
	/* No VF migration, no ARI capable hierarchy preserved: capabilities 0. */
	cfg.set_dword(at + kCap, 0);
	cfg.set_word(at + kCtrl, 0);
	cfg.set_wmask(at + kCtrl, 2, kCtrlVfEnable | kCtrlVfMemoryEnable | kCtrlAriHierarchy);
	const uint16_t initial = sriov.initial_vfs ? sriov.initial_vfs : sriov.total_vfs;
	cfg.set_word(at + kInitialVf, initial);
	cfg.set_word(at + kTotalVf, sriov.total_vfs);
	cfg.set_word(at + kNumVf, 0);
	cfg.set_wmask(at + kNumVf, 2, 0xffff);
	cfg.set_byte(at + kFuncLink, 0);
	cfg.set_word(at + kVfOffset, sriov.first_vf_offset);
	cfg.set_word(at + kVfStride, sriov.vf_stride);
	cfg.set_word(at + kVfDid, sriov.vf_device_id);
	cfg.set_dword(at + kSupPgsize, sriov.supported_page_sizes);
	cfg.set_dword(at + kSysPgsize, smallest_page_size(sriov.supported_page_sizes));
	cfg.set_wmask(at + kSysPgsize, 4, sriov.supported_page_sizes);
	for (unsigned i = 0; i < 6; ++i)
		build_vf_bar(sriov.vf_bars[i], static_cast<uint16_t>(at + kBar0 + 4 * i), cfg);
	cfg.set_dword(at + kVfMigration, 0);
	return kSizeof;
}

DeviceDescription vf_description(const DeviceDescription &pf, unsigned index)
{
	DeviceDescription vf;
	vf.name = pf.name + "-vf" + std::to_string(index);
	vf.source = pf.source;
	vf.vendor_id = pf.vendor_id;
	vf.device_id = pf.sriov ? pf.sriov->vf_device_id : 0;
	vf.subsystem_vendor_id = pf.subsystem_vendor_id;
	vf.subsystem_id = pf.subsystem_id;
	vf.class_code = pf.class_code;
	vf.revision = pf.revision;
	/* SR-IOV: a VF's interrupt pin is read-only zero, and its memory
	 * decode follows the PF's VF MSE, not its own command register. */
	vf.interrupt_pin = 0;
	vf.command = 0;
	if (pf.sriov) {
		vf.bars = pf.sriov->vf_bars;
		vf.msix = pf.sriov->vf_msix;
	}
	ExpressCapability express;
	express.flr = true;
	if (pf.express)
		express.max_payload = pf.express->max_payload;
	vf.express = express;
	vf.virtual_function = true;
	return vf;
}

} /* namespace softvfio::pci */
