/* SPDX-License-Identifier: MIT */
/*
 * Capability write handlers: power management, MSI, PCI Express, Advanced
 * Features and VPD. Each first applies the capability's permission table
 * (default_write) and then does what vfio-pci does on top. Hooks into the
 * device run after mutex_ is released.
 */
#include "vfio/pci/config/virtual_config.h"

#include <algorithm>
#include <bit>

#include "pci/regs.h"
#include "vfio/pci/config/pci_defs.h"

namespace softvfio::vfio {

namespace r = pci::regs;
namespace d = defs;

namespace {

/* The kernel's pci_*_config_* refuse unaligned accesses; a capability at
 * an odd place in a malformed config space then simply has no effect. */
bool aligned(uint32_t offset, unsigned width) { return offset % width == 0; }

} /* namespace */

/* vfio refreshes Multiple Message Capable from msi_qmax on reads covering
 * the flags, but it updates the word at the capability's start (ID/next),
 * not the flags: the user keeps seeing the hardware's field (or what they
 * wrote into the virtual byte). The ID byte is read from the hardware, so
 * the stray update is invisible; we do the same for fidelity. */
void VirtualConfig::msi_read_fixup(const Chunk &c)
{
	if (c.offset > r::kMsiFlags || c.offset + c.count < r::kMsiFlags)
		return;
	const uint32_t start = find_cap_start(c.pos);
	uint16_t word = uint16_t(vget(start, 2));
	word = uint16_t((word & ~r::kMsiFlagsQmask) | (msi_qmax_ << 1));
	vset(start, 2, word);
}

/* MSI is enabled through SET_IRQS, not config space: the enable bit only
 * survives while MSI is the active irq type, and the user's Multiple
 * Message Enable is capped at what was enabled. The result goes to vconfig
 * and to the hardware. */
void VirtualConfig::msi_write(const Chunk &c, uint32_t val)
{
	StateLock lk(*this);
	default_write(c, val);
	if (c.offset > r::kMsiFlags || c.offset + c.count < r::kMsiFlags)
		return;
	const uint32_t flags_pos = find_cap_start(c.pos) + r::kMsiFlags;
	uint16_t flags = uint16_t(vget(flags_pos, 2));
	if (!msi_active_)
		flags &= uint16_t(~r::kMsiFlagsEnable);
	if (((flags & r::kMsiFlagsQsize) >> 4) > msi_qmax_) {
		flags &= uint16_t(~r::kMsiFlagsQsize);
		flags = uint16_t(flags | (msi_qmax_ << 4));
	}
	vset(flags_pos, 2, flags);
	if (aligned(flags_pos, 2))
		hw_.write(flags_pos, 2, flags);
}

/* The state field is read-only to the user: vfio changes the power state
 * itself (revoking MMIO for D3hot) on any write that starts at PM_CTRL. */
void VirtualConfig::pm_write(const Chunk &c, uint32_t val)
{
	{
		StateLock lk(*this);
		default_write(c, val);
	}
	if (c.offset != r::kPmCtrl)
		return;
	const auto state = static_cast<pci::PowerState>(val & r::kPmCtrlStateMask);
	device_.set_power_state_from_config(state);
}

/* DEVCTL's FLR bit is virtual and always reads 0: setting it resets the
 * function if its DEVCAP advertises FLR. A change of the virtual read
 * request size is passed to the hardware, but never below the function's
 * payload size (the user cannot see the system-wide view needed to pick a
 * lower one safely). */
void VirtualConfig::exp_write(const Chunk &c, uint32_t val)
{
	const uint32_t start = c.pos - c.offset;
	const uint32_t ctrl = start + r::kExpDevCtl;
	bool flr = false;
	unsigned readrq = 0;
	{
		StateLock lk(*this);
		const uint16_t before = uint16_t(vget(ctrl, 2) & r::kExpDevCtlReadRqMask);
		default_write(c, val);
		const uint16_t ctl = uint16_t(vget(ctrl, 2));
		if (ctl & r::kExpDevCtlBcrFlr) {
			vset(ctrl, 2, ctl & uint16_t(~r::kExpDevCtlBcrFlr));
			const uint32_t devcap = start + r::kExpDevCap;
			flr = aligned(devcap, 4) && (hw_.read(devcap, 4) & r::kExpDevCapFlr);
		}
		const uint16_t after = uint16_t(vget(ctrl, 2) & r::kExpDevCtlReadRqMask);
		if (after != before)
			readrq = 128u << (after >> d::kExpReadRqShift);
	}
	if (flr)
		device_.reset_from_config();
	if (readrq) {
		StateLock lk(*this);
		set_readrq(start, readrq);
	}
}

/* pcie_set_readrq() with the floor at the current payload size; sizes
 * outside 128..4096 (reserved encodings) are refused and change nothing. */
void VirtualConfig::set_readrq(uint32_t exp, unsigned readrq)
{
	const uint32_t ctl_pos = exp + r::kExpDevCtl;
	if (!aligned(ctl_pos, 2))
		return;
	const uint32_t ctl = hw_.read(ctl_pos, 2);
	const unsigned mps = 128u << ((ctl & r::kExpDevCtlPayloadMask) >> d::kExpPayloadShift);
	readrq = std::max(readrq, mps);
	if (readrq < 128 || readrq > 4096 || !std::has_single_bit(readrq))
		return;
	const uint32_t field = uint32_t(std::countr_zero(readrq) - 7) << d::kExpReadRqShift;
	hw_.write(ctl_pos, 2, (ctl & ~uint32_t(r::kExpDevCtlReadRqMask)) | field);
}

/* AF's FLR bit is virtual and reads 0; setting it resets the function if
 * the AF capability advertises both FLR and Transactions Pending. */
void VirtualConfig::af_write(const Chunk &c, uint32_t val)
{
	const uint32_t start = c.pos - c.offset;
	const uint32_t ctrl = start + r::kAfCtrl;
	bool flr = false;
	{
		StateLock lk(*this);
		default_write(c, val);
		const uint8_t v = uint8_t(vget(ctrl, 1));
		if (v & r::kAfCtrlFlr) {
			vset(ctrl, 1, v & uint8_t(~r::kAfCtrlFlr));
			const uint32_t cap = hw_.read(start + r::kAfCap, 1);
			flr = (cap & r::kAfCapFlr) && (cap & r::kAfCapTp);
		}
	}
	if (flr)
		device_.reset_from_config();
}

/* VPD address and data are virtual; a write reaching the address's upper
 * byte starts a transaction (F set: write the data, F clear: read into
 * the data register), and F toggles on completion only. */
void VirtualConfig::vpd_write(const Chunk &c, uint32_t val)
{
	StateLock lk(*this);
	default_write(c, val);
	if (c.offset > d::kVpdAddr + 1u || c.offset + c.count <= d::kVpdAddr + 1u)
		return;
	const uint32_t start = c.pos - c.offset;
	const uint16_t addr = uint16_t(vget(start + d::kVpdAddr, 2));
	if (addr & d::kVpdAddrF) {
		const uint32_t data = vget(start + d::kVpdData, 4);
		if (!hw_.write_vpd(addr & uint16_t(~d::kVpdAddrF), data))
			return;
	} else {
		auto data = hw_.read_vpd(addr);
		if (!data)
			return;
		vset(start + d::kVpdData, 4, *data);
	}
	vset(start + d::kVpdAddr, 2, addr ^ d::kVpdAddrF);
}

} /* namespace softvfio::vfio */
