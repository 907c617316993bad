/* SPDX-License-Identifier: MIT */
/*
 * Irqs: a vfio-pci device's interrupt state and VFIO_DEVICE_SET_IRQS.
 *
 * The kernel wires device interrupts to the user's eventfds: one trigger for
 * INTx (level, automasked when it fires, so the user unmasks after handling),
 * one per MSI/MSI-X vector, one each for the error and request indexes.
 * Userspace can fire any of them itself (DATA_NONE/DATA_BOOL with
 * ACTION_TRIGGER), which is how tests loop interrupts back without a device.
 * Only one of INTx, MSI and MSI-X is enabled at a time (irq_type).
 */
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "pci/pci_function.h"
#include "vfio/pci/eventfd.h"

namespace softvfio::vfio {

/* vfio-pci irq indexes */
enum IrqIndex : unsigned {
	kIrqIntx = 0,
	kIrqMsi = 1,
	kIrqMsix = 2,
	kIrqErr = 3,
	kIrqReq = 4,
	kNumIrqs = 5,
};

/* What the irq code needs to know of the function's capabilities. */
struct IrqShape {
	bool intx = false;        /* interrupt pin wired */
	unsigned msi_max = 0;     /* vectors the MSI capability offers, 0 = none */
	unsigned msix_max = 0;    /* MSI-X table size, 0 = none */
	bool express = false;     /* ERR index exists */
	bool dyn_msix = true;     /* vectors can be added while MSI-X is on */
};

class Irqs
{
public:
	explicit Irqs(pci::PciFunction &function);

	const IrqShape &shape() const { return shape_; }
	/* vfio_pci_get_irq_count() */
	unsigned count(unsigned index) const;

	/* The part of SET_IRQS after the generic header validation: dispatch
	 * on index and action; `data` is the validated payload (count bools
	 * or count s32 eventfds) or null. Value or -errno. */
	long set(uint32_t flags, unsigned index, unsigned start, unsigned count, const uint8_t *data);

	/* The function raised an interrupt (hardware path). */
	void raise(pci::IrqKind kind, unsigned vector);
	/* The user's virtual INTx-disable bit changed (config write). */
	void set_virq_disabled(bool disabled);
	/* Signal the request eventfd (the host wants the device back). */
	bool request();
	/* Disable whatever is enabled (device close). */
	void disable_all();

	/* Called (under the irq lock) when MSI becomes enabled with `nvec`
	 * vectors (nvec > 0) or stops being the active type (nvec == 0):
	 * config virtualisation caps the MSI queue size by it. */
	void set_msi_listener(std::function<void(unsigned nvec)> listener) { msi_listener_ = std::move(listener); }

	/* Introspection */
	int irq_type() const;                 /* -1 none, else kIrqIntx/Msi/Msix */
	bool intx_masked() const;
	unsigned enabled_vectors() const;

private:
	long set_locked(uint32_t flags, unsigned index, unsigned start, unsigned count, const uint8_t *data);
	long set_intx_mask(uint32_t flags, unsigned start, unsigned count, const uint8_t *data);
	long set_intx_unmask(uint32_t flags, unsigned start, unsigned count, const uint8_t *data);
	long set_intx_trigger(uint32_t flags, unsigned start, unsigned count, const uint8_t *data);
	long set_msi_trigger(unsigned index, uint32_t flags, unsigned start, unsigned count,
			     const uint8_t *data);
	long set_single_trigger(EventfdPtr &slot, uint32_t flags, unsigned start, unsigned count,
				const uint8_t *data);

	/* What the locked part of an operation asks of the hardware after the
	 * irq lock is dropped: the function may call raise() back from inside
	 * a config write, so INTX_DISABLE is never written under igate_. */
	enum class HwIntx { Keep, Mask, Unmask };
	void apply_hw_intx(HwIntx action);

	/* The MSI/MSI-X programming the logical state asks for: the enable
	 * bits and, for MSI-X, which table entries have an interrupt
	 * requested (an eventfd attached), as the PCI core and the irq chip
	 * program them. Taken under igate_, applied after it is dropped with
	 * hw_gate_ held (irqs_hardware.cc). */
	struct MsiHardware {
		int type = -1;              /* kIrqMsi, kIrqMsix or -1 */
		unsigned msi_nvec = 0;
		std::vector<bool> msix_requested;
		bool operator==(const MsiHardware &) const = default;
	};
	MsiHardware msi_hardware_locked() const;
	void apply_msi_hardware(const MsiHardware &want);

	long msi_enable(unsigned index, unsigned nvec);
	long msi_set_block(unsigned index, unsigned start, unsigned count, const int32_t *fds);
	void msi_disable();
	void intx_disable();
	/* Logical mask/unmask; the hardware half is returned for later. */
	HwIntx intx_mask_locked();
	HwIntx intx_unmask_locked();
	void send_intx_locked();

	pci::PciFunction &function_;
	IrqShape shape_;

	/* Serialises the operations that program the function (set(),
	 * disable_all()) so the hardware follows the logical state in the
	 * order the calls changed it. Taken before igate_; never by raise(),
	 * which the function calls back while it is held. */
	std::mutex hw_gate_;
	MsiHardware msi_applied_;  /* under hw_gate_ */
	mutable std::mutex igate_;
	int irq_type_ = -1;
	/* INTx */
	EventfdPtr intx_trigger_;
	bool intx_masked_ = false;
	bool virq_disabled_ = false;
	/* Set by the locked part of set() for the unlocked part. */
	HwIntx pending_hw_ = HwIntx::Keep;
	/* MSI / MSI-X: one slot per vector */
	std::vector<EventfdPtr> vectors_;
	unsigned msi_nvec_ = 0;
	/* ERR / REQ */
	EventfdPtr err_trigger_;
	EventfdPtr req_trigger_;
	std::function<void(unsigned)> msi_listener_;
};

} /* namespace softvfio::vfio */
