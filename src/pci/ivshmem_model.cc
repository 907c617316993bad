/* SPDX-License-Identifier: MIT */
#include "pci/ivshmem_model.h"

namespace softvfio::pci {

namespace {

constexpr uint64_t kIntrMask = 0x00;
constexpr uint64_t kIntrStatus = 0x04;
constexpr uint64_t kIvPosition = 0x08;
constexpr uint32_t kPeerId = 0;

} /* namespace */

uint64_t IvshmemModel::read(uint64_t offset, unsigned width)
{
	if (width == 8)
		return read32(offset) | (uint64_t(read32(offset + 4)) << 32);
	const uint64_t value = read32(offset);
	return width >= 4 ? value : value & ((uint64_t(1) << (8 * width)) - 1);
}

void IvshmemModel::write(uint64_t offset, unsigned width, uint64_t value)
{
	if (width == 8) {
		write32(offset, static_cast<uint32_t>(value));
		write32(offset + 4, static_cast<uint32_t>(value >> 32));
		return;
	}
	write32(offset, static_cast<uint32_t>(value));
}

uint32_t IvshmemModel::read32(uint64_t offset)
{
	switch (offset) {
	case kIntrMask:
		return intr_mask_;
	case kIntrStatus: {
		const uint32_t value = intr_status_;
		intr_status_ = 0;
		mirror(kIntrStatus, 0);
		return value;
	}
	case kIvPosition:
		return kPeerId;
	default:
		return 0;
	}
}

void IvshmemModel::write32(uint64_t offset, uint32_t value)
{
	switch (offset & 0xfc) {
	case kIntrMask:
		intr_mask_ = value;
		mirror(kIntrMask, value);
		break;
	case kIntrStatus:
		intr_status_ = value;
		mirror(kIntrStatus, value);
		break;
	default:   /* DOORBELL: no peers to ring */
		break;
	}
}

void IvshmemModel::reset()
{
	intr_mask_ = 0;
	intr_status_ = 0;
	mirror(kIntrMask, 0);
	mirror(kIntrStatus, 0);
	mirror(kIvPosition, kPeerId);
}

void IvshmemModel::mirror(uint64_t offset, uint32_t value)
{
	(void)context_.mirror(offset, &value, sizeof(value));
}

} /* namespace softvfio::pci */
