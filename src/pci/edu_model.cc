/* SPDX-License-Identifier: MIT */
#include "pci/edu_model.h"

#include <string>

#include "base/log.h"

namespace softvfio::pci {

namespace {

constexpr uint64_t kRegId = 0x00;
constexpr uint64_t kRegLiveness = 0x04;
constexpr uint64_t kRegFactorial = 0x08;
constexpr uint64_t kRegStatus = 0x20;
constexpr uint64_t kRegIrqStatus = 0x24;
constexpr uint64_t kRegIrqRaise = 0x60;
constexpr uint64_t kRegIrqAck = 0x64;
constexpr uint64_t kRegDmaSrc = 0x80;
constexpr uint64_t kRegDmaDst = 0x88;
constexpr uint64_t kRegDmaCount = 0x90;
constexpr uint64_t kRegDmaCmd = 0x98;

constexpr uint32_t kStatusComputing = 0x01;
constexpr uint32_t kStatusIrqFactorial = 0x80;
constexpr uint64_t kDmaRun = 0x1;
constexpr uint64_t kDmaToRam = 0x2;
constexpr uint64_t kDmaCmdIrq = 0x4;

bool valid_access(uint64_t offset, unsigned width)
{
	return offset < 0x80 ? width == 4 : (width == 4 || width == 8);
}

uint64_t all_ones(unsigned width)
{
	return width >= 8 ? ~uint64_t(0) : (uint64_t(1) << (8 * width)) - 1;
}

/* n! in 32 bits; 34! and beyond hold 2^32 as a factor, so they are 0. */
uint32_t factorial32(uint32_t n)
{
	if (n >= 34)
		return 0;
	uint32_t result = 1;
	for (uint32_t i = 2; i <= n; ++i)
		result *= i;
	return result;
}

} /* namespace */

uint64_t EduModel::read(uint64_t offset, unsigned width)
{
	/* QEMU's memory core refuses accesses narrower than edu's 4-byte
	 * minimum before edu sees them (they read 0); edu answers an 8-byte
	 * read below 0x80 with all ones. Both observed through vfio-pci. */
	if (width != 4 && width != 8)
		return 0;
	if (!valid_access(offset, width))
		return all_ones(width);
	uint64_t value;
	switch (offset) {
	case kRegId: value = kId; break;
	case kRegLiveness: value = liveness_; break;
	case kRegFactorial: value = factorial_; break;
	case kRegStatus: value = status_; break;
	case kRegIrqStatus: value = irq_status_; break;
	case kRegDmaSrc: value = dma_src_; break;
	case kRegDmaDst: value = dma_dst_; break;
	case kRegDmaCount: value = dma_count_; break;
	case kRegDmaCmd: value = dma_cmd_; break;
	default: value = ~uint64_t(0); break;
	}
	return value & all_ones(width);
}

void EduModel::write(uint64_t offset, unsigned width, uint64_t value)
{
	if (!valid_access(offset, width))
		return;
	write_register(offset, value & all_ones(width));
}

void EduModel::write_register(uint64_t offset, uint64_t value)
{
	const auto v32 = static_cast<uint32_t>(value);
	switch (offset) {
	case kRegLiveness:
		liveness_ = ~v32;
		mirror32(kRegLiveness, liveness_);
		break;
	case kRegFactorial:
		if (!(status_ & kStatusComputing))
			compute_factorial(v32);
		break;
	case kRegStatus:
		status_ = (status_ & ~kStatusIrqFactorial) | (v32 & kStatusIrqFactorial);
		mirror32(kRegStatus, status_);
		break;
	case kRegIrqRaise:
		raise_irq(v32);
		break;
	case kRegIrqAck:
		lower_irq(v32);
		break;
	case kRegDmaSrc:
	case kRegDmaDst:
	case kRegDmaCount: {
		if (dma_cmd_ & kDmaRun)
			break;
		uint64_t &reg = offset == kRegDmaSrc ? dma_src_
				: offset == kRegDmaDst ? dma_dst_ : dma_count_;
		reg = value;
		mirror64(offset, value);
		break;
	}
	case kRegDmaCmd:
		if (!(value & kDmaRun) || (dma_cmd_ & kDmaRun))
			break;
		dma_cmd_ = value;
		run_dma();
		break;
	default:
		break;
	}
}

void EduModel::compute_factorial(uint32_t n)
{
	factorial_ = factorial32(n);
	mirror32(kRegFactorial, factorial_);
	/* The computing bit would be set and cleared here; it is never seen. */
	if (status_ & kStatusIrqFactorial)
		raise_irq(kFactorialIrq);
}

void EduModel::run_dma()
{
	const bool to_ram = dma_cmd_ & kDmaToRam;
	const uint64_t device_addr = to_ram ? dma_src_ : dma_dst_;
	const uint64_t ram_addr = (to_ram ? dma_dst_ : dma_src_) & kDmaMask;
	const uint64_t end = device_addr + dma_count_;
	const bool in_range = device_addr >= kDmaBufferStart && end >= device_addr &&
			      end <= kDmaBufferStart + kDmaBufferSize;
	if (!in_range) {
		log::message(log::Level::Warning,
			     "edu: DMA range " + std::to_string(device_addr) + "+" +
				     std::to_string(dma_count_) + " out of bounds");
	} else if (dma_count_) {
		uint8_t *buffer = dma_buffer_.data() + (device_addr - kDmaBufferStart);
		const auto len = static_cast<size_t>(dma_count_);
		/* A failed transfer (no bus mastering, IOMMU fault) leaves
		 * both sides as they were; the device cannot tell. */
		if (to_ram)
			(void)context_.dma_write(ram_addr, buffer, len);
		else
			(void)context_.dma_read(ram_addr, buffer, len);
	}
	dma_cmd_ &= ~kDmaRun;
	mirror64(kRegDmaCmd, dma_cmd_);
	if (dma_cmd_ & kDmaCmdIrq)
		raise_irq(kDmaIrq);
}

/* MSI is an edge per raise; INTx is a level held while status is non-zero. */
void EduModel::raise_irq(uint32_t bits)
{
	irq_status_ |= bits;
	mirror32(kRegIrqStatus, irq_status_);
	if (!irq_status_)
		return;
	if (context_.msi_enabled())
		(void)context_.raise_msi(0);
	else
		context_.set_intx(true);
}

void EduModel::lower_irq(uint32_t bits)
{
	irq_status_ &= ~bits;
	mirror32(kRegIrqStatus, irq_status_);
	if (!irq_status_ && !context_.msi_enabled())
		context_.set_intx(false);
}

void EduModel::reset()
{
	liveness_ = factorial_ = status_ = irq_status_ = 0;
	dma_src_ = dma_dst_ = dma_count_ = dma_cmd_ = 0;
	dma_buffer_.fill(0);
	mirror32(kRegId, kId);
	for (uint64_t reg : {kRegLiveness, kRegFactorial, kRegStatus, kRegIrqStatus})
		mirror32(reg, 0);
	for (uint64_t reg : {kRegDmaSrc, kRegDmaDst, kRegDmaCount, kRegDmaCmd})
		mirror64(reg, 0);
}

void EduModel::mirror32(uint64_t offset, uint32_t value)
{
	(void)context_.mirror(offset, &value, sizeof(value));
}

void EduModel::mirror64(uint64_t offset, uint64_t value)
{
	(void)context_.mirror(offset, &value, sizeof(value));
}

} /* namespace softvfio::pci */
