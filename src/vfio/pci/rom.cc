/* SPDX-License-Identifier: MIT */
#include "vfio/pci/rom.h"

#include <algorithm>
#include <cstring>

namespace softvfio::vfio {

namespace {

uint16_t le16(std::span<const uint8_t> b, size_t at) { return uint16_t(b[at] | (b[at + 1] << 8)); }

} /* namespace */

size_t rom_image_size(std::span<const uint8_t> rom)
{
	size_t image = 0;
	for (;;) {
		if (image + 0x1a > rom.size() || le16(rom, image) != 0xaa55)
			break;
		size_t pcir = image + le16(rom, image + 0x18);
		if (pcir + 0x16 > rom.size() || std::memcmp(&rom[pcir], "PCIR", 4) != 0)
			break;
		bool last = rom[pcir + 0x15] & 0x80;
		size_t length = le16(rom, pcir + 0x10);
		image += length * 512;
		if (image >= rom.size() || !length || last)
			break;
	}
	return std::min(image, rom.size());
}

} /* namespace softvfio::vfio */
