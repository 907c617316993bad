/* SPDX-License-Identifier: MIT */
/*
 * The generic access paths (default, direct, raw, virtual) and the standard
 * header: BAR virtualisation and sizing, the COMMAND write with its
 * memory_lock section and BAR restore, and INTx-disable emulation.
 */
#include "vfio/pci/config/virtual_config.h"

#include <algorithm>

#include "pci/regs.h"
#include "vfio/pci/config/pci_defs.h"

namespace softvfio::vfio {

namespace r = pci::regs;
namespace d = defs;

namespace {

uint32_t full_mask(unsigned count) { return count == 4 ? ~0u : (1u << (8 * count)) - 1; }

bool is_bar(uint32_t offset)
{
	return (offset >= r::kBar0 && offset < r::bar_offset(5) + 4u) ||
	       (offset >= r::kRomAddress && offset < r::kRomAddress + 4u);
}

uint32_t bar_flags(const ResourceInfo &res)
{
	if (res.io)
		return r::kBarSpaceIo;
	uint32_t v = 0;
	if (res.prefetch)
		v |= r::kBarMemPrefetch;
	if (res.mem64)
		v |= r::kBarMemType64;
	return v;
}

} /* namespace */

/* --- reads; all run with mutex_ held --- */

uint32_t VirtualConfig::read_locked(const Chunk &c)
{
	switch (c.perm->read) {
	case ReadPath::Default: return default_read(c);
	case ReadPath::Direct: return direct_read(c);
	case ReadPath::Raw: return hw_.read(c.pos, c.count);
	case ReadPath::Virt: return vget(c.pos, c.count);
	case ReadPath::Basic: {
		if (is_bar(c.offset))
			bar_fixup();
		uint32_t val = default_read(c);
		/* A VF has no memory enable of its own (no_command_memory):
		 * the user's bit, kept in vconfig, is masked in. */
		if (c.offset == r::kCommand && hw_.virtfn_ids())
			val |= vget(r::kCommand, 2) & r::kCommandMemory;
		return val;
	}
	case ReadPath::Msi:
		msi_read_fixup(c);
		return default_read(c);
	}
	return 0;
}

/* Virtual bits from vconfig, the others from the hardware (which is not
 * read at all when every bit is virtual). */
uint32_t VirtualConfig::default_read(const Chunk &c)
{
	uint32_t val = vget(c.pos, c.count);
	const uint32_t virt = c.perm->virt_mask(c.offset, c.count);
	if (virt != full_mask(c.count)) {
		const uint32_t phys = hw_.read(c.pos, c.count);
		val = (phys & ~virt) | (val & virt);
	}
	return val;
}

/* Hardware, except the pointers that link capabilities: a standard
 * capability's ID and next bytes (ID only when read together with next),
 * an extended capability's whole header. */
uint32_t VirtualConfig::direct_read(const Chunk &c)
{
	uint32_t val = hw_.read(c.pos, c.count);
	if (c.pos >= d::kConfigSpaceSize) {
		if (c.offset < 4)
			val = vget(c.pos, c.count);
	} else if (c.pos >= r::kStdHeaderSize) {
		if (c.offset == 0 && c.count > 1)
			val = (val & ~0xffffu) | vget(c.pos, 2);
		else if (c.offset == r::kCapNext)
			val = (val & ~0xffu) | vget(c.pos, 1);
	}
	return val;
}

/* --- writes --- */

/* Writable virtual bits go to vconfig, writable hardware bits are merged
 * into what the hardware holds and written back at the piece's width, so
 * write-one-to-clear bits that share the piece and read as 1 get cleared,
 * as on the real bus. Nothing happens when no bit is writable. */
void VirtualConfig::default_write(const Chunk &c, uint32_t val)
{
	const uint32_t write = c.perm->write_mask(c.offset, c.count);
	if (!write)
		return;
	const uint32_t virt = c.perm->virt_mask(c.offset, c.count);
	if (write & virt) {
		uint32_t v = vget(c.pos, c.count);
		v = (v & ~(write & virt)) | (val & write & virt);
		vset(c.pos, c.count, v);
	}
	if (write & ~virt) {
		uint32_t phys = hw_.read(c.pos, c.count);
		phys = (phys & ~(write & ~virt)) | (val & write & ~virt);
		hw_.write(c.pos, c.count, phys);
	}
}

void VirtualConfig::basic_write(const Chunk &c, uint32_t val)
{
	if (c.offset == r::kCommand) {
		/* Memory disable revokes first, even if already disabled; the
		 * device holds memory_lock around our update. */
		const bool new_mem = val & r::kCommandMemory;
		device_.locked_command_write(new_mem, [this, &c, val] {
			StateLock lk(*this);
			command_write_locked(c, val);
		});
	} else {
		StateLock lk(*this);
		default_write(c, val);
		if (is_bar(c.offset))
			bardirty_ = true;
	}
	if (c.offset == r::kCommand || c.offset == r::kCommand + 1u)
		emulate_intx();
}

/* Inside memory_lock. A user enabling decode that vfio believes enabled
 * while the hardware has it off means the function was reset behind vfio's
 * back: put the BARs back before decode comes on. */
void VirtualConfig::command_write_locked(const Chunk &c, uint32_t val)
{
	const uint16_t phys = uint16_t(hw_.read(r::kCommand, 2));
	const uint16_t virt = uint16_t(vget(r::kCommand, 2));
	const uint16_t new_cmd = uint16_t(val);
	const auto bit = [](uint16_t v, uint16_t b) { return (v & b) != 0; };
	const bool mem_lost = bit(new_cmd, r::kCommandMemory) && bit(virt, r::kCommandMemory) &&
			      !bit(phys, r::kCommandMemory);
	const bool io_lost = bit(new_cmd, r::kCommandIo) && bit(virt, r::kCommandIo) &&
			     !bit(phys, r::kCommandIo);
	if (mem_lost || io_lost || need_bar_restore())
		bar_restore();

	default_write(c, val);

	/* Remember the user's decode bits for the test above, and for the
	 * memory-enabled predicate. */
	const uint16_t mask = r::kCommandMemory | r::kCommandIo;
	vset(r::kCommand, 2, (vget(r::kCommand, 2) & ~mask) | (new_cmd & mask));
}

/* vfio masks INTx itself when the user sets the virtual INTx-disable bit
 * (devices without DisINTx get it emulated). */
void VirtualConfig::emulate_intx()
{
	std::lock_guard g(intx_mutex_);
	bool disabled;
	{
		StateLock lk(*this);
		if (vconfig_.empty())
			return;
		disabled = vget(r::kCommand, 2) & r::kCommandIntxDisable;
	}
	if (disabled == virq_disabled_)
		return;
	virq_disabled_ = disabled;
	virq_mirror_.store(disabled, std::memory_order_release);
	device_.intx_disable_changed(disabled);
}

/* --- BARs --- */

/* Make the virtual BARs answer like hardware would: address bits below
 * the BAR size read 0, the type bits are the resource's, unassigned BARs
 * read 0. This is what makes sizing (write ~0, read back) work. */
void VirtualConfig::bar_fixup()
{
	if (!bardirty_)
		return;
	for (unsigned i = 0; i < 6; i++) {
		const uint32_t off = r::bar_offset(i);
		const ResourceInfo res = hw_.bar(i);
		if (!res.assigned) {
			vset(off, 4, 0);
			continue;
		}
		const uint64_t mask = ~(res.len - 1);
		const uint32_t v = (vget(off, 4) & uint32_t(mask)) | bar_flags(res);
		vset(off, 4, v);
		if (v & r::kBarMemType64) {
			/* The upper half holds the high address bits; (a 64-bit
			 * BAR5 would spill into CardBus CIS, as in vfio). */
			i++;
			const uint32_t hi_off = r::bar_offset(i);
			vset(hi_off, 4, vget(hi_off, 4) & uint32_t(mask >> 32));
		}
	}
	const ResourceInfo rom = hw_.rom();
	if (rom.assigned) {
		const uint64_t mask = ~(rom.len - 1) | r::kRomEnable;
		vset(r::kRomAddress, 4, vget(r::kRomAddress, 4) & uint32_t(mask));
	} else {
		vset(r::kRomAddress, 4, 0);
	}
	bardirty_ = false;
}

bool VirtualConfig::need_bar_restore()
{
	for (unsigned i = 0; i < 6; i++) {
		if (rbar_[i] && hw_.read(r::bar_offset(i), 4) != rbar_[i])
			return true;
	}
	return false;
}

void VirtualConfig::bar_restore()
{
	for (unsigned i = 0; i < 6; i++)
		hw_.write(r::bar_offset(i), 4, rbar_[i]);
	hw_.write(r::kRomAddress, 4, rbar_[6]);
}

} /* namespace softvfio::vfio */
