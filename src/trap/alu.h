/* SPDX-License-Identifier: MIT */
/*
 * The arithmetic of emulated read-modify-write instructions, done by the
 * host CPU itself so that every flag (AF and PF included) is exactly what
 * the trapped instruction would have produced. Async-signal-safe.
 */
#pragma once

#include <cstdint>

namespace softvfio::trap {

enum class AluOp { add, sub, and_, or_, xor_, inc, dec, neg };

struct AluResult {
	uint64_t value; /* truncated to the operation's width */
	uint64_t flags; /* OF SF ZF AF PF CF as the instruction sets them */
};

/* `a op b` at `width` bytes (1, 2, 4 or 8); inc, dec and neg ignore b. */
AluResult alu(AluOp op, unsigned width, uint64_t a, uint64_t b);

/* The flags each operation defines (inc and dec leave CF alone). */
uint64_t alu_flags_written(AluOp op);

} /* namespace softvfio::trap */
