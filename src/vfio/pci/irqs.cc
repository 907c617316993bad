/* SPDX-License-Identifier: MIT */
#include "vfio/pci/irqs.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include <softvfio/uapi/vfio.h>

#include "base/fault_injection.h"
#include "pci/regs.h"

namespace softvfio::vfio {

namespace {

namespace r = pci::regs;

constexpr uint32_t kActionMask = VFIO_IRQ_SET_ACTION_TYPE_MASK;

IrqShape read_shape(pci::PciFunction &fn)
{
	IrqShape s;
	s.intx = fn.config_read(r::kInterruptPin, 1) != 0;
	if (uint16_t msi = fn.find_capability(r::kCapIdMsi)) {
		uint32_t flags = fn.config_read(msi + r::kMsiFlags, 2);
		s.msi_max = 1u << ((flags & r::kMsiFlagsQmask) >> 1);
	}
	if (uint16_t msix = fn.find_capability(r::kCapIdMsix)) {
		uint32_t flags = fn.config_read(msix + r::kMsixFlags, 2);
		s.msix_max = (flags & r::kMsixFlagsQsize) + 1;
	}
	s.express = fn.find_capability(r::kCapIdExpress) != 0;
	/* vfio asks whether vectors can be added dynamically only for
	 * functions that have MSI-X at all. */
	s.dyn_msix = s.msix_max > 0;
	return s;
}

int32_t fd_at(const uint8_t *data, unsigned i)
{
	int32_t fd;
	std::memcpy(&fd, data + 4 * i, sizeof(fd));
	return fd;
}

} /* namespace */

Irqs::Irqs(pci::PciFunction &function) : function_(function), shape_(read_shape(function)) {}

unsigned Irqs::count(unsigned index) const
{
	switch (index) {
	case kIrqIntx: return shape_.intx ? 1 : 0;
	case kIrqMsi: return shape_.msi_max;
	case kIrqMsix: return shape_.msix_max;
	case kIrqErr: return shape_.express ? 1 : 0;
	case kIrqReq: return 1;
	default: return 0;
	}
}

long Irqs::set(uint32_t flags, unsigned index, unsigned start, unsigned count, const uint8_t *data)
{
	std::lock_guard hw_guard(hw_gate_);
	long ret;
	HwIntx hw;
	MsiHardware msi;
	{
		std::lock_guard guard(igate_);
		pending_hw_ = HwIntx::Keep;
		ret = set_locked(flags, index, start, count, data);
		hw = std::exchange(pending_hw_, HwIntx::Keep);
		msi = msi_hardware_locked();
	}
	apply_msi_hardware(msi);
	apply_hw_intx(hw);
	return ret;
}

long Irqs::set_locked(uint32_t flags, unsigned index, unsigned start, unsigned count, const uint8_t *data)
{
	uint32_t action = flags & kActionMask;
	switch (index) {
	case kIrqIntx:
		if (action == VFIO_IRQ_SET_ACTION_MASK)
			return set_intx_mask(flags, start, count, data);
		if (action == VFIO_IRQ_SET_ACTION_UNMASK)
			return set_intx_unmask(flags, start, count, data);
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return set_intx_trigger(flags, start, count, data);
		break;
	case kIrqMsi:
	case kIrqMsix:
		/* vfio-pci has no MSI/MSI-X masking: only TRIGGER exists. */
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return set_msi_trigger(index, flags, start, count, data);
		break;
	case kIrqErr:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER && shape_.express)
			return set_single_trigger(err_trigger_, flags, start, count, data);
		break;
	case kIrqReq:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return set_single_trigger(req_trigger_, flags, start, count, data);
		break;
	}
	return -ENOTTY;
}

/* --- INTx --- */

long Irqs::set_intx_mask(uint32_t flags, unsigned start, unsigned count, const uint8_t *data)
{
	if (irq_type_ != kIrqIntx || start != 0 || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_NONE)
		pending_hw_ = intx_mask_locked();
	else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (data[0])
			pending_hw_ = intx_mask_locked();
	} else if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return -ENOTTY; /* vfio-pci never implemented a mask eventfd */
	return 0;
}

long Irqs::set_intx_unmask(uint32_t flags, unsigned start, unsigned count, const uint8_t *data)
{
	if (irq_type_ != kIrqIntx || start != 0 || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_NONE)
		pending_hw_ = intx_unmask_locked();
	else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (data[0])
			pending_hw_ = intx_unmask_locked();
	} else if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		/* An unmask eventfd (virqfd) lets KVM unmask without a syscall.
		 * Validate it as the kernel does; the model has no KVM to
		 * signal it, so it is accepted and never fires. */
		int32_t fd = fd_at(data, 0);
		if (fd >= 0) {
			auto ref = EventfdRef::get(fd);
			if (!ref)
				return -ref.error();
		}
	}
	return 0;
}

long Irqs::set_intx_trigger(uint32_t flags, unsigned start, unsigned count, const uint8_t *data)
{
	if (irq_type_ == kIrqIntx && count == 0 && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		intx_disable();
		return 0;
	}
	if (!(irq_type_ == kIrqIntx || irq_type_ < 0) || start != 0 || count != 1)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		int32_t fd = fd_at(data, 0);
		EventfdPtr trigger;
		if (fd >= 0) {
			auto ref = EventfdRef::get(fd);
			if (!ref)
				return -ref.error();
			trigger = std::move(*ref);
		}
		if (irq_type_ < 0) {
			if (!shape_.intx)
				return -ENODEV;
			irq_type_ = kIrqIntx;
			intx_masked_ = virq_disabled_;
			/* Unmasking in hardware re-raises a line already asserted. */
			pending_hw_ = intx_masked_ ? HwIntx::Mask : HwIntx::Unmask;
		}
		intx_trigger_ = std::move(trigger);
		return 0;
	}

	if (irq_type_ != kIrqIntx)
		return -EINVAL;
	if ((flags & VFIO_IRQ_SET_DATA_NONE) || ((flags & VFIO_IRQ_SET_DATA_BOOL) && data[0]))
		send_intx_locked();
	return 0;
}

void Irqs::intx_disable()
{
	irq_type_ = -1;
	intx_trigger_.reset();
	intx_masked_ = false;
	pending_hw_ = HwIntx::Mask;
}

Irqs::HwIntx Irqs::intx_mask_locked()
{
	if (irq_type_ != kIrqIntx)
		return HwIntx::Keep;
	intx_masked_ = true;
	return HwIntx::Mask;
}

Irqs::HwIntx Irqs::intx_unmask_locked()
{
	if (irq_type_ != kIrqIntx || !intx_masked_ || virq_disabled_)
		return HwIntx::Keep;
	intx_masked_ = false;
	return HwIntx::Unmask;
}

/* The user's loopback trigger: signal without touching the mask. */
void Irqs::send_intx_locked()
{
	if (irq_type_ == kIrqIntx && !virq_disabled_ && intx_trigger_)
		intx_trigger_->signal();
}

/* --- MSI / MSI-X --- */

long Irqs::set_msi_trigger(unsigned index, uint32_t flags, unsigned start, unsigned count,
			   const uint8_t *data)
{
	if (irq_type_ == static_cast<int>(index) && count == 0 && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		msi_disable();
		return 0;
	}
	if (!(irq_type_ == static_cast<int>(index) || irq_type_ < 0))
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		auto *fds = reinterpret_cast<const int32_t *>(data);
		if (irq_type_ == static_cast<int>(index))
			return msi_set_block(index, start, count, fds);
		if (long ret = msi_enable(index, start + count); ret)
			return ret;
		long ret = msi_set_block(index, start, count, fds);
		if (ret)
			msi_disable();
		return ret;
	}

	if (irq_type_ != static_cast<int>(index))
		return -EINVAL;
	for (unsigned i = start; i < start + count && i < vectors_.size(); i++) {
		if (!vectors_[i])
			continue;
		if ((flags & VFIO_IRQ_SET_DATA_NONE) || ((flags & VFIO_IRQ_SET_DATA_BOOL) && data[i - start]))
			vectors_[i]->signal();
	}
	return 0;
}

long Irqs::msi_enable(unsigned index, unsigned nvec)
{
	if (irq_type_ >= 0)
		return -EINVAL;
	/* pci_alloc_irq_vectors(1, 0) refuses the empty range. */
	if (nvec == 0)
		return -ERANGE;
	/* The vectors' contexts (kcalloc in vfio_msi_enable). */
	if (int e = fault_check(FaultPoint::IrqCtxAlloc))
		return -e;
	irq_type_ = static_cast<int>(index);
	unsigned slots = index == kIrqMsix && shape_.dyn_msix ? shape_.msix_max : nvec;
	vectors_.assign(slots, nullptr);
	msi_nvec_ = nvec;
	if (index == kIrqMsi && msi_listener_)
		msi_listener_(nvec);
	return 0;
}

long Irqs::msi_set_block(unsigned index, unsigned start, unsigned count, const int32_t *fds)
{
	/* Without dynamic MSI-X, only vectors allocated at enable exist. */
	if (!(index == kIrqMsix && shape_.dyn_msix) && start + count > msi_nvec_)
		return -EINVAL;
	unsigned done = start;
	long ret = 0;
	for (; done < start + count; done++) {
		int32_t fd = fds ? fds[done - start] : -1;
		vectors_[done].reset();
		if (fd < 0)
			continue;
		auto ref = EventfdRef::get(fd);
		if (!ref) {
			ret = -ref.error();
			break;
		}
		vectors_[done] = std::move(*ref);
	}
	if (ret)
		for (unsigned i = start; i < done; i++)
			vectors_[i].reset();
	return ret;
}

void Irqs::msi_disable()
{
	if (irq_type_ == kIrqMsi && msi_listener_)
		msi_listener_(0);
	irq_type_ = -1;
	vectors_.clear();
	msi_nvec_ = 0;
}

/* --- ERR / REQ --- */

long Irqs::set_single_trigger(EventfdPtr &slot, uint32_t flags, unsigned start, unsigned count,
			      const uint8_t *data)
{
	if (start != 0 || count > 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		if (slot) {
			if (count)
				slot->signal();
			else
				slot.reset();
		}
		return 0;
	}
	if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (!count)
			return -EINVAL;
		if (data[0] && slot)
			slot->signal();
		return 0;
	}
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		if (!count)
			return -EINVAL;
		int32_t fd = fd_at(data, 0);
		if (fd == -1) {
			slot.reset();
		} else if (fd >= 0) {
			auto ref = EventfdRef::get(fd);
			if (!ref)
				return -ref.error();
			slot = std::move(*ref);
		}
		return 0;
	}
	return -EINVAL;
}

/* --- hardware side --- */

void Irqs::raise(pci::IrqKind kind, unsigned vector)
{
	if (kind == pci::IrqKind::Intx) {
		HwIntx hw = HwIntx::Keep;
		{
			std::lock_guard guard(igate_);
			if (irq_type_ != kIrqIntx || intx_masked_ || virq_disabled_)
				return;
			/* vfio masks INTx as it fires; the user unmasks when done. */
			hw = intx_mask_locked();
			if (intx_trigger_)
				intx_trigger_->signal();
		}
		apply_hw_intx(hw);
		return;
	}
	std::lock_guard guard(igate_);
	switch (kind) {
	case pci::IrqKind::Intx:
		return;
	case pci::IrqKind::Msi:
	case pci::IrqKind::Msix: {
		int want = kind == pci::IrqKind::Msi ? kIrqMsi : kIrqMsix;
		if (irq_type_ == want && vector < vectors_.size() && vectors_[vector])
			vectors_[vector]->signal();
		return;
	}
	}
}

void Irqs::set_virq_disabled(bool disabled)
{
	HwIntx hw;
	{
		std::lock_guard guard(igate_);
		if (disabled == virq_disabled_)
			return;
		if (disabled) {
			virq_disabled_ = true;
			hw = intx_mask_locked();
		} else {
			virq_disabled_ = false;
			hw = intx_unmask_locked();
		}
	}
	apply_hw_intx(hw);
}

bool Irqs::request()
{
	std::lock_guard guard(igate_);
	if (!req_trigger_)
		return false;
	req_trigger_->signal();
	return true;
}

void Irqs::disable_all()
{
	std::lock_guard hw_guard(hw_gate_);
	HwIntx hw = HwIntx::Keep;
	MsiHardware msi;
	{
		std::lock_guard guard(igate_);
		if (irq_type_ == kIrqIntx) {
			intx_disable();
			hw = HwIntx::Mask;
		} else if (irq_type_ >= 0) {
			msi_disable();
		}
		err_trigger_.reset();
		req_trigger_.reset();
		virq_disabled_ = false;
		msi = msi_hardware_locked();
	}
	apply_msi_hardware(msi);
	apply_hw_intx(hw);
}

int Irqs::irq_type() const
{
	std::lock_guard guard(igate_);
	return irq_type_;
}

bool Irqs::intx_masked() const
{
	std::lock_guard guard(igate_);
	return intx_masked_;
}

unsigned Irqs::enabled_vectors() const
{
	std::lock_guard guard(igate_);
	unsigned n = 0;
	for (auto &v : vectors_)
		n += v != nullptr;
	return n;
}

} /* namespace softvfio::vfio */
