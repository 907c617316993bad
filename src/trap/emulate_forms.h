/* SPDX-License-Identifier: MIT */
/*
 * The families of instruction forms the emulator knows, one file each.
 * Each returns EOPNOTSUPP for a mnemonic or operand form it does not take,
 * and leaves RIP alone: emulate() advances it on success.
 */
#pragma once

#include <softvfio/base/result.h>

#include "trap/operand_access.h"

namespace softvfio::trap {

/* mov, movzx, movsx, movsxd, movnti, xchg (emulate_moves.cc) */
Result<void> emulate_move(const Trap &trap);
/* add, sub, and, or, xor, cmp, test, inc, dec, neg, not, xadd, cmpxchg,
 * cmpxchg8b, cmpxchg16b, locked or not (emulate_read_modify_write.cc) */
Result<void> emulate_read_modify_write(const Trap &trap);
/* SSE/AVX moves of 4, 8, 16 and 32 bytes (emulate_vectors.cc) */
Result<void> emulate_vector_move(const Trap &trap);
/* movs, stos and lods, with or without rep (emulate_strings.cc) */
Result<void> emulate_string(const Trap &trap);

/* Which family takes the mnemonic, or null. */
using FormEmulator = Result<void> (*)(const Trap &trap);
FormEmulator form_for(const ZydisDecodedInstruction &instruction);

} /* namespace softvfio::trap */
