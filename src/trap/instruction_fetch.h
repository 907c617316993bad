/* SPDX-License-Identifier: MIT */
/*
 * Reads the bytes of the instruction at the faulting RIP without faulting
 * again. Async-signal-safe.
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace softvfio::trap {

constexpr size_t kMaxInstructionLength = 15;

/*
 * Copies up to 15 bytes from `rip` into `out` and returns how many it
 * could read. The page holding `rip` is readable (the CPU just fetched from
 * it); the bytes past its end, which a long instruction near the edge may
 * need, are read with process_vm_readv(2) so that an unmapped next page
 * shortens the result instead of faulting.
 */
size_t fetch_instruction(uint64_t rip, uint8_t (&out)[kMaxInstructionLength]);

} /* namespace softvfio::trap */
