/* SPDX-License-Identifier: MIT */
/*
 * Irqs, the hardware half: what the PCI core and the interrupt controller
 * write into the function when vfio-pci changes its interrupt setup.
 *
 * The logical state (which type is on, which eventfds are attached) lives
 * under igate_ in irqs.cc. The function may deliver an interrupt back
 * into raise() from inside any write made here, and raise() takes igate_,
 * so these writes happen after igate_ is dropped, serialised by hw_gate_.
 */
#include "vfio/pci/irqs.h"

#include "pci/regs.h"

namespace softvfio::vfio {

namespace {

namespace r = pci::regs;

/* fls(x): index of the most significant set bit, 1-based. */
unsigned fls(unsigned x) { return x ? 32 - __builtin_clz(x) : 0; }

} /* namespace */

Irqs::MsiHardware Irqs::msi_hardware_locked() const
{
	MsiHardware want;
	if (irq_type_ != kIrqMsi && irq_type_ != kIrqMsix)
		return want;
	want.type = irq_type_;
	want.msi_nvec = msi_nvec_;
	if (irq_type_ == kIrqMsix) {
		want.msix_requested.resize(vectors_.size());
		for (size_t v = 0; v < vectors_.size(); ++v)
			want.msix_requested[v] = vectors_[v] != nullptr;
	}
	return want;
}

/* In the order Linux programs a function:
 *  - MSI: pci_alloc_irq_vectors() sets the enable bit and the number of
 *    messages; a device model decides MSI versus INTx from them.
 *  - MSI-X on: every table entry is masked before the enable bit is set
 *    (msix_capability_init()), then each vector whose interrupt is
 *    requested gets its message and is unmasked (the irq chip's startup),
 *    which also sends a message pending on it. A vector whose eventfd is
 *    removed is freed, and freeing masks it.
 *  - MSI-X off: the requested vectors are masked, then the enable bit is
 *    cleared (pci_disable_msix()). */
void Irqs::apply_msi_hardware(const MsiHardware &want)
{
	if (want == msi_applied_)
		return;
	const MsiHardware was = std::exchange(msi_applied_, want);
	if (uint16_t msi = function_.find_capability(r::kCapIdMsi);
	    msi && (want.type == kIrqMsi || was.type == kIrqMsi)) {
		uint32_t flags = function_.config_read(msi + r::kMsiFlags, 2);
		flags &= ~uint32_t(r::kMsiFlagsEnable | r::kMsiFlagsQsize);
		if (want.type == kIrqMsi)
			flags |= r::kMsiFlagsEnable | ((fls(want.msi_nvec * 2 - 1) - 1) << 4);
		function_.config_write(msi + r::kMsiFlags, 2, flags);
	}
	const uint16_t msix = function_.find_capability(r::kCapIdMsix);
	if (!msix || (want.type != kIrqMsix && was.type != kIrqMsix))
		return;
	const bool turning_on = want.type == kIrqMsix && was.type != kIrqMsix;
	auto requested = [](const MsiHardware &hw, unsigned v) {
		return v < hw.msix_requested.size() && hw.msix_requested[v];
	};
	/* Entries to mask before the enable bit changes: all of them when it
	 * comes on, else those whose interrupt was freed. */
	for (unsigned v = 0; v < shape_.msix_max; ++v)
		if (turning_on || (requested(was, v) && !requested(want, v)))
			function_.msix_program_vector(v, false);
	uint32_t flags = function_.config_read(msix + r::kMsixFlags, 2);
	flags &= ~uint32_t(r::kMsixFlagsEnable | r::kMsixFlagsMaskAll);
	if (want.type == kIrqMsix)
		flags |= r::kMsixFlagsEnable;
	function_.config_write(msix + r::kMsixFlags, 2, flags);
	for (unsigned v = 0; v < shape_.msix_max; ++v)
		if (requested(want, v) && (turning_on || !requested(was, v)))
			function_.msix_program_vector(v, true);
}

/* vfio masks INTx of PCI 2.3 functions with COMMAND.INTX_DISABLE, a bit it
 * virtualises for the user. Clearing it while the function still drives
 * its pin re-raises the interrupt: that is how a level that outlived the
 * mask fires again on unmask. */
void Irqs::apply_hw_intx(HwIntx action)
{
	if (action == HwIntx::Keep || !shape_.intx)
		return;
	uint32_t cmd = function_.config_read(r::kCommand, 2);
	if (action == HwIntx::Mask) {
		function_.config_write(r::kCommand, 2, cmd | r::kCommandIntxDisable);
		return;
	}
	/* Through the masked state, so the unmask is an edge the function
	 * sees even if the bit was already clear. */
	function_.config_write(r::kCommand, 2, cmd | r::kCommandIntxDisable);
	function_.config_write(r::kCommand, 2, cmd & ~uint32_t(r::kCommandIntxDisable));
}

} /* namespace softvfio::vfio */
