/* SPDX-License-Identifier: MIT */
/*
 * QEMU's ivshmem BAR0 registers (256 bytes), from QEMU's ivshmem-plain
 * behaviour:
 *
 *   0x00 INTRMASK    RW  plain storage
 *   0x04 INTRSTATUS  RW  written as is; reading returns it and clears it
 *   0x08 IVPOSITION  RO  this peer's ID: 0 for ivshmem-plain (no server)
 *   0x0c DOORBELL    WO  rings a peer; ivshmem-plain has no peers, so it
 *                        does nothing
 *
 * Everything else reads 0 and ignores writes. QEMU implements the block as
 * 32-bit registers: a read dispatches on its exact offset (so an unaligned
 * byte read hits no register and reads 0), a write on its offset rounded
 * down to the register, and an 8-byte access is two 4-byte ones.
 * ivshmem-plain has no interrupts at all.
 */
#pragma once

#include <softvfio/device_model.h>

namespace softvfio::pci {

class IvshmemModel final : public DeviceModel
{
public:
	static constexpr uint64_t kMinBarSize = 16;

	explicit IvshmemModel(DeviceContext &context) : context_(context) {}

	uint64_t read(uint64_t offset, unsigned width) override;
	void write(uint64_t offset, unsigned width, uint64_t value) override;
	void reset() override;

private:
	uint32_t read32(uint64_t offset);
	void write32(uint64_t offset, uint32_t value);
	void mirror(uint64_t offset, uint32_t value);

	DeviceContext &context_;
	uint32_t intr_mask_ = 0;
	uint32_t intr_status_ = 0;
};

} /* namespace softvfio::pci */
