/* SPDX-License-Identifier: MIT */
/* Expansion ROM images, as the PCI core reads them. */
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace softvfio::vfio {

/* pci_get_rom_size(): walk the chain of images (0x55AA header, "PCIR" data
 * structure holding the image length in 512-byte units and a last-image
 * bit) to find how much of the ROM BAR holds images; 0 when the first header
 * is invalid. Never more than the BAR. */
size_t rom_image_size(std::span<const uint8_t> rom);

} /* namespace softvfio::vfio */
