/* SPDX-License-Identifier: MIT */
/*
 * How a copy through device registers is cut into accesses: naturally
 * aligned pieces of up to 8 bytes, the largest that the address's
 * alignment and the bytes left allow, low to high (a 4-byte-aligned 12
 * bytes are three 4-byte accesses, an 8-byte-aligned 16 bytes two 8-byte
 * ones). The rule vfio's region reads and writes split an access by, and
 * the one a system call's copy through a register mapping follows
 * (docs/trap.md).
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace softvfio {

/* The width of the next piece at `addr` with `left` (> 0) bytes to go. */
constexpr unsigned register_piece_width(uint64_t addr, size_t left) noexcept
{
	unsigned width = 8;
	while (width > 1 && (addr % width || width > left))
		width /= 2;
	return width;
}

static_assert(register_piece_width(0x1000, 16) == 8);
static_assert(register_piece_width(0x1004, 12) == 4);
static_assert(register_piece_width(0x1006, 8) == 2);
static_assert(register_piece_width(0x1000, 7) == 4);
static_assert(register_piece_width(0x1001, 8) == 1);

} /* namespace softvfio */
