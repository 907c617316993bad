/* SPDX-License-Identifier: MIT */
/*
 * Interrupt delivery: INTx as a level with STATUS.INTERRUPT and
 * COMMAND.INTX_DISABLE, MSI with per-vector masking and pending bits, MSI-X
 * with its table and PBA in BAR memory.
 *
 * MSI and MSI-X messages are memory writes by the function, so without
 * COMMAND.MASTER they do not happen (dropped, not left pending), as in QEMU.
 * A masked vector's message is left pending and sent when it is unmasked
 * through config space (MSI) or through bar_write()/the function mask
 * (MSI-X). Unmasking an MSI-X entry through an mmap of the BAR is not seen
 * until the next event that looks at the table.
 */
#include "pci/pci_function_impl.h"

#include "pci/regs.h"

namespace softvfio::pci {

using namespace regs;

void PciFunction::Impl::queue_irq(IrqKind kind, unsigned vector)
{
	if (sink)
		deferred.emplace_back(kind, vector);
}

/* --- INTx --- */

void PciFunction::Impl::set_intx(bool asserted)
{
	if (!desc.interrupt_pin)
		return;
	intx_level = asserted;
	uint16_t status = cfg.word(kStatus);
	status = asserted ? (status | kStatusInterrupt) : (status & ~kStatusInterrupt);
	cfg.set_word(kStatus, status);
	update_intx();
}

void PciFunction::Impl::update_intx()
{
	const bool line = intx_level && !(command() & kCommandIntxDisable);
	if (line && !intx_line)
		queue_irq(IrqKind::Intx, 0);
	intx_line = line;
}

/* --- MSI --- */

bool PciFunction::Impl::msi_enabled() const
{
	return caps.msi && (cfg.word(caps.msi + kMsiFlags) & kMsiFlagsEnable);
}

void PciFunction::Impl::msi_notify(unsigned vector)
{
	if (!msi_enabled() || !bus_master())
		return;
	const uint16_t flags = cfg.word(caps.msi + kMsiFlags);
	const unsigned enabled = 1u << ((flags & kMsiFlagsQsize) >> 4);
	if (vector >= enabled)
		return;
	const MsiLayout l = msi_layout(desc.msi->address64, desc.msi->per_vector_mask);
	if (l.mask && (cfg.dword(caps.msi + l.mask) & (1u << vector))) {
		const uint32_t pending = cfg.dword(caps.msi + l.pending);
		cfg.set_dword(caps.msi + l.pending, pending | (1u << vector));
		return;
	}
	queue_irq(IrqKind::Msi, vector);
}

void PciFunction::Impl::msi_deliver_pending()
{
	const MsiLayout l = msi_layout(desc.msi->address64, desc.msi->per_vector_mask);
	if (!l.mask || !msi_enabled() || !bus_master())
		return;
	const uint32_t pending = cfg.dword(caps.msi + l.pending);
	const uint32_t ready = pending & ~cfg.dword(caps.msi + l.mask);
	if (!ready)
		return;
	cfg.set_dword(caps.msi + l.pending, pending & ~ready);
	for (unsigned v = 0; v < 32; ++v)
		if (ready & (1u << v))
			queue_irq(IrqKind::Msi, v);
}

/* --- MSI-X --- */

bool PciFunction::Impl::msix_enabled() const
{
	return caps.msix && (cfg.word(caps.msix + kMsixFlags) & kMsixFlagsEnable);
}

uint64_t PciFunction::Impl::msix_table_offset(unsigned vector) const
{
	return region_offset(desc.msix->table_bar) + desc.msix->table_offset +
	       uint64_t(vector) * kMsixEntrySize;
}

uint64_t PciFunction::Impl::msix_pba_offset() const
{
	return region_offset(desc.msix->pba_bar) + desc.msix->pba_offset;
}

namespace {

uint64_t pba_word_offset(uint64_t pba, unsigned vector)
{
	return pba + (vector / 64) * 8;
}

} /* namespace */

/* Entries start masked with zero address and data; nothing pending. */
void PciFunction::Impl::msix_init_table()
{
	if (!desc.msix)
		return;
	const unsigned vectors = desc.msix->vectors;
	std::vector<uint8_t> table(size_t(vectors) * kMsixEntrySize, 0);
	for (unsigned v = 0; v < vectors; ++v)
		table[v * kMsixEntrySize + kMsixEntryVectorCtrl] = kMsixEntryCtrlMasked;
	(void)mem_write(msix_table_offset(0), table.data(), table.size());
	std::vector<uint8_t> pba((vectors + 63) / 64 * 8, 0);
	(void)mem_write(msix_pba_offset(), pba.data(), pba.size());
}

/* Entries are read from BAR memory at delivery time, so a mask set through
 * an mmap of the table counts too. */
bool PciFunction::Impl::msix_entry_masked(unsigned vector) const
{
	uint32_t ctrl = kMsixEntryCtrlMasked;
	(void)mem_read(msix_table_offset(vector) + kMsixEntryVectorCtrl, &ctrl, sizeof(ctrl));
	return ctrl & kMsixEntryCtrlMasked;
}

/* The x86 interrupt address window: what an MSI-X message written by the
 * host's interrupt controller targets. */
constexpr uint32_t kMsiAddressLocalApic = 0xfee00000;

void PciFunction::Impl::msix_program_vector(unsigned vector, bool requested)
{
	if (!desc.msix || vector >= desc.msix->vectors)
		return;
	const uint64_t at = msix_table_offset(vector);
	uint32_t ctrl = kMsixEntryCtrlMasked;
	(void)mem_read(at + kMsixEntryVectorCtrl, &ctrl, sizeof(ctrl));
	if (!requested) {
		ctrl |= kMsixEntryCtrlMasked;
		(void)mem_write(at + kMsixEntryVectorCtrl, &ctrl, sizeof(ctrl));
		return;
	}
	const uint32_t entry[4] = {kMsiAddressLocalApic, 0, vector, ctrl & ~kMsixEntryCtrlMasked};
	static_assert(sizeof(entry) == kMsixEntrySize);
	(void)mem_write(at, entry, sizeof(entry));
	msix_deliver_pending();
}

void PciFunction::Impl::msix_notify(unsigned vector)
{
	if (!msix_enabled() || !bus_master() || vector >= desc.msix->vectors)
		return;
	const bool function_masked = cfg.word(caps.msix + kMsixFlags) & kMsixFlagsMaskAll;
	if (function_masked || msix_entry_masked(vector)) {
		const uint64_t at = pba_word_offset(msix_pba_offset(), vector);
		uint64_t word = 0;
		(void)mem_read(at, &word, sizeof(word));
		word |= uint64_t(1) << (vector % 64);
		(void)mem_write(at, &word, sizeof(word));
		return;
	}
	queue_irq(IrqKind::Msix, vector);
}

void PciFunction::Impl::msix_deliver_pending()
{
	if (!msix_enabled() || !bus_master() ||
	    (cfg.word(caps.msix + kMsixFlags) & kMsixFlagsMaskAll))
		return;
	const unsigned vectors = desc.msix->vectors;
	for (unsigned base = 0; base < vectors; base += 64) {
		const uint64_t at = pba_word_offset(msix_pba_offset(), base);
		uint64_t word = 0;
		(void)mem_read(at, &word, sizeof(word));
		const uint64_t before = word;
		for (unsigned bit = 0; bit < 64 && base + bit < vectors; ++bit) {
			if (!(word & (uint64_t(1) << bit)) || msix_entry_masked(base + bit))
				continue;
			word &= ~(uint64_t(1) << bit);
			queue_irq(IrqKind::Msix, base + bit);
		}
		if (word != before)
			(void)mem_write(at, &word, sizeof(word));
	}
}

} /* namespace softvfio::pci */

namespace softvfio::pci {

void PciFunction::signal_interrupt(unsigned vector)
{
	Impl::Locked lock(*impl_);
	if (impl_->msix_enabled())
		impl_->msix_notify(vector);
	else if (impl_->msi_enabled())
		impl_->msi_notify(vector);
	else
		impl_->set_intx(true);
}

void PciFunction::set_intx(bool asserted)
{
	Impl::Locked lock(*impl_);
	impl_->set_intx(asserted);
}

void PciFunction::msix_program_vector(unsigned vector, bool requested)
{
	Impl::Locked lock(*impl_);
	impl_->msix_program_vector(vector, requested);
}

} /* namespace softvfio::pci */
