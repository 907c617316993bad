/* SPDX-License-Identifier: MIT */
/*
 * QEMU's educational device ("edu", 1234:11e8), BAR0 registers, from the
 * facts in QEMU's docs/specs/edu.rst and the behaviour of hw/misc/edu.c:
 *
 *   0x00 RO  identification 0x010000ed
 *   0x04 RW  liveness: reads back the inverse of what was written
 *   0x08 RW  factorial: writing n (while not computing) computes n!
 *   0x20 RW  status: bit 0 computing (RO), bit 7 raise interrupt 0x1 when
 *            the factorial is done
 *   0x24 RO  interrupt status
 *   0x60 WO  raise interrupt: OR the value into the interrupt status
 *   0x64 WO  acknowledge: clear the value's bits from the interrupt status
 *   0x80 RW  DMA source, 0x88 destination, 0x90 count (64-bit registers)
 *   0x98 RW  DMA command: bit 0 start/busy, bit 1 direction (0: RAM to
 *            device, 1: device to RAM), bit 2 raise interrupt 0x100 when done
 *   0x40000  the device's 4 KiB DMA buffer, reachable only by DMA
 *
 * Only 4-byte accesses below 0x80 and 4- or 8-byte accesses from 0x80 are
 * valid; others are ignored and read all ones (8 bytes below 0x80) or 0
 * (1 or 2 bytes, which QEMU's memory core refuses), as observed on 6.12;
 * unknown registers read all ones.
 * Interrupts go out as MSI vector 0 while MSI is enabled, else as INTx (a
 * level, held while the interrupt status is non-zero). DMA addresses are
 * masked to edu's default 28-bit DMA mask.
 *
 * Timing: QEMU computes the factorial on a thread and runs DMA from a
 * 100 ms timer, so drivers poll the busy bits. Here both complete
 * synchronously inside the register write: the busy bits read 0 at once,
 * which every correct polling driver accepts, and tests need no sleeps.
 *
 * A transfer outside the DMA buffer is refused (nothing is copied, the
 * command completes and its interrupt is still raised); QEMU logs such a
 * transfer as a guest error. A transfer ending exactly at the buffer's end
 * is allowed (QEMU 7.2 wrongly refused it).
 */
#pragma once

#include <array>

#include <softvfio/device_model.h>

namespace softvfio::pci {

class EduModel final : public DeviceModel
{
public:
	static constexpr uint64_t kMinBarSize = 0x41000;
	static constexpr uint32_t kId = 0x010000ed;
	static constexpr uint64_t kDmaBufferStart = 0x40000;
	static constexpr uint64_t kDmaBufferSize = 4096;
	static constexpr uint64_t kDmaMask = (uint64_t(1) << 28) - 1;
	static constexpr uint32_t kFactorialIrq = 0x001;
	static constexpr uint32_t kDmaIrq = 0x100;

	explicit EduModel(DeviceContext &context) : context_(context) {}

	uint64_t read(uint64_t offset, unsigned width) override;
	void write(uint64_t offset, unsigned width, uint64_t value) override;
	void reset() override;

private:
	void write_register(uint64_t offset, uint64_t value);
	void compute_factorial(uint32_t n);
	void run_dma();
	void raise_irq(uint32_t bits);
	void lower_irq(uint32_t bits);
	void mirror32(uint64_t offset, uint32_t value);
	void mirror64(uint64_t offset, uint64_t value);

	DeviceContext &context_;
	uint32_t liveness_ = 0;
	uint32_t factorial_ = 0;
	uint32_t status_ = 0;
	uint32_t irq_status_ = 0;
	uint64_t dma_src_ = 0;
	uint64_t dma_dst_ = 0;
	uint64_t dma_count_ = 0;
	uint64_t dma_cmd_ = 0;
	std::array<uint8_t, kDmaBufferSize> dma_buffer_{};
};

} /* namespace softvfio::pci */
