/* SPDX-License-Identifier: MIT */
#include "pci/config_space.h"

namespace softvfio::pci {

bool ConfigSpace::valid_access(uint32_t offset, unsigned width) const
{
	if (width != 1 && width != 2 && width != 4)
		return false;
	if (offset % width)
		return false;
	return offset < size_ && width <= size_ - offset;
}

uint32_t ConfigSpace::read(uint32_t offset, unsigned width) const
{
	uint32_t value = 0;
	for (unsigned i = 0; i < width; ++i)
		value |= uint32_t(data_[offset + i]) << (8 * i);
	return value;
}

void ConfigSpace::write(uint32_t offset, unsigned width, uint32_t value)
{
	for (unsigned i = 0; i < width; ++i) {
		const uint32_t at = offset + i;
		const uint8_t v = static_cast<uint8_t>(value >> (8 * i));
		uint8_t b = static_cast<uint8_t>((data_[at] & ~wmask_[at]) | (v & wmask_[at]));
		b = static_cast<uint8_t>(b & ~(v & w1cmask_[at]));
		data_[at] = b;
	}
}

uint16_t ConfigSpace::word(uint32_t offset) const
{
	return static_cast<uint16_t>(data_[offset] | (data_[offset + 1] << 8));
}

uint32_t ConfigSpace::dword(uint32_t offset) const
{
	return uint32_t(word(offset)) | (uint32_t(word(offset + 2)) << 16);
}

void ConfigSpace::set_word(uint32_t offset, uint16_t value)
{
	data_[offset] = static_cast<uint8_t>(value);
	data_[offset + 1] = static_cast<uint8_t>(value >> 8);
}

void ConfigSpace::set_dword(uint32_t offset, uint32_t value)
{
	set_word(offset, static_cast<uint16_t>(value));
	set_word(offset + 2, static_cast<uint16_t>(value >> 16));
}

void ConfigSpace::set_wmask(uint32_t offset, unsigned width, uint32_t mask)
{
	for (unsigned i = 0; i < width; ++i)
		wmask_[offset + i] = static_cast<uint8_t>(mask >> (8 * i));
}

void ConfigSpace::set_w1cmask(uint32_t offset, unsigned width, uint32_t mask)
{
	for (unsigned i = 0; i < width; ++i)
		w1cmask_[offset + i] = static_cast<uint8_t>(mask >> (8 * i));
}

} /* namespace softvfio::pci */
