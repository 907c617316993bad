/* SPDX-License-Identifier: MIT */
#include "pci/register_mirror.h"

namespace softvfio::pci {

namespace {

/* QEMU's edu: no register has a read side effect. Below 0x80 edu answers
 * 4-byte reads only (8 bytes read all ones, narrower ones 0); the DMA
 * registers answer 4 and 8 bytes at their own offsets, a 4-byte read at
 * the upper half reading all ones. The model mirrors ID, liveness,
 * factorial, status, interrupt status and the DMA registers on every
 * change, the computing bit never being seen set. */
constexpr MirroredRead kEdu[] = {
	{0x00, 4}, {0x04, 4}, {0x08, 4}, {0x20, 4}, {0x24, 4},
	{0x80, 4 | 8}, {0x88, 4 | 8}, {0x90, 4 | 8}, {0x98, 4 | 8},
};

/* ivshmem-plain's BAR0: the interrupt mask and the IV position; the
 * interrupt status is read-to-clear, so it is never mirrored. Narrower
 * reads at the register's own offset return its low bytes; an 8-byte
 * read takes the status along. */
constexpr MirroredRead kIvshmem[] = {
	{0x00, 1 | 2 | 4},
	{0x08, 1 | 2 | 4},
};

} /* namespace */

std::span<const MirroredRead> mirrored_reads(std::string_view model)
{
	if (model == "edu")
		return kEdu;
	if (model == "ivshmem")
		return kIvshmem;
	return {};
}

} /* namespace softvfio::pci */
