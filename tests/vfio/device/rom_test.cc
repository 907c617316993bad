/* SPDX-License-Identifier: MIT */
/* The ROM image walk (pci_get_rom_size). */
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "vfio/pci/rom.h"

namespace softvfio::vfio {
namespace {

/* One image of `blocks` 512-byte units at `at`, its PCIR at +0x20. */
void put_image(std::vector<uint8_t> &rom, size_t at, uint16_t blocks, bool last)
{
	rom[at] = 0x55;
	rom[at + 1] = 0xaa;
	rom[at + 0x18] = 0x20;
	rom[at + 0x19] = 0;
	std::memcpy(&rom[at + 0x20], "PCIR", 4);
	rom[at + 0x20 + 0x10] = static_cast<uint8_t>(blocks);
	rom[at + 0x20 + 0x11] = static_cast<uint8_t>(blocks >> 8);
	rom[at + 0x20 + 0x15] = last ? 0x80 : 0;
}

TEST(RomImage, SingleImageShorterThanTheBar)
{
	std::vector<uint8_t> rom(64 * 1024, 0);
	put_image(rom, 0, 8, true);
	EXPECT_EQ(rom_image_size(rom), 8u * 512);
}

TEST(RomImage, ChainedImagesAddUp)
{
	std::vector<uint8_t> rom(64 * 1024, 0);
	put_image(rom, 0, 4, false);
	put_image(rom, 4 * 512, 2, true);
	EXPECT_EQ(rom_image_size(rom), 6u * 512);
}

TEST(RomImage, BadSignatureIsEmpty)
{
	std::vector<uint8_t> rom(4096, 0);
	EXPECT_EQ(rom_image_size(rom), 0u);
	put_image(rom, 0, 1, true);
	rom[0x20] = 'X';
	EXPECT_EQ(rom_image_size(rom), 0u);
}

TEST(RomImage, NeverLargerThanTheBar)
{
	std::vector<uint8_t> rom(4096, 0);
	put_image(rom, 0, 100, true);
	EXPECT_EQ(rom_image_size(rom), 4096u);
}

} /* namespace */
} /* namespace softvfio::vfio */
