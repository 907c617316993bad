/* SPDX-License-Identifier: MIT */
#include "trap/alu.h"

#include "trap/cpu_state.h"

namespace softvfio::trap {

namespace {

/*
 * LAHF copies SF ZF AF PF CF into AH and SETO records OF: unlike PUSHF they
 * do not write below the stack pointer, where the compiler may keep locals
 * (the red zone). `%b`, `%w`, `%k` and `%q` select the operand width.
 */
#define SOFTVFIO_ALU2(insn, mod)                                                               \
	asm(insn " %" mod "[b], %" mod "[a]\n\tlahf\n\tseto %%al"                               \
	    : [a] "+r"(a), "=&a"(raw)                                                         \
	    : [b] "r"(b)                                                                      \
	    : "cc")
#define SOFTVFIO_ALU1(insn, mod)                                                               \
	asm(insn " %" mod "[a]\n\tlahf\n\tseto %%al" : [a] "+r"(a), "=&a"(raw) : : "cc")

#define SOFTVFIO_ALU_WIDTHS(macro, insn)                                                          \
	switch (width) {                                                                          \
	case 1: macro(insn "b", "b"); break;                                                      \
	case 2: macro(insn "w", "w"); break;                                                      \
	case 4: macro(insn "l", "k"); break;                                                      \
	default: macro(insn "q", "q"); break;                                                     \
	}

uint64_t width_mask(unsigned width)
{
	return width >= 8 ? ~0ull : (1ull << (8 * width)) - 1;
}

} /* namespace */

AluResult alu(AluOp op, unsigned width, uint64_t a, uint64_t b)
{
	uint64_t raw = 0;
	switch (op) {
	case AluOp::add: SOFTVFIO_ALU_WIDTHS(SOFTVFIO_ALU2, "add") break;
	case AluOp::sub: SOFTVFIO_ALU_WIDTHS(SOFTVFIO_ALU2, "sub") break;
	case AluOp::and_: SOFTVFIO_ALU_WIDTHS(SOFTVFIO_ALU2, "and") break;
	case AluOp::or_: SOFTVFIO_ALU_WIDTHS(SOFTVFIO_ALU2, "or") break;
	case AluOp::xor_: SOFTVFIO_ALU_WIDTHS(SOFTVFIO_ALU2, "xor") break;
	case AluOp::inc: SOFTVFIO_ALU_WIDTHS(SOFTVFIO_ALU1, "inc") break;
	case AluOp::dec: SOFTVFIO_ALU_WIDTHS(SOFTVFIO_ALU1, "dec") break;
	case AluOp::neg: SOFTVFIO_ALU_WIDTHS(SOFTVFIO_ALU1, "neg") break;
	}
	uint64_t ah = (raw >> 8) & 0xff;
	uint64_t flags = (ah & (kFlagSign | kFlagZero | kFlagAdjust | kFlagParity | kFlagCarry)) |
			 ((raw & 1) ? kFlagOverflow : 0);
	return {a & width_mask(width), flags};
}

uint64_t alu_flags_written(AluOp op)
{
	if (op == AluOp::inc || op == AluOp::dec)
		return kArithmeticFlags & ~kFlagCarry;
	return kArithmeticFlags;
}

} /* namespace softvfio::trap */
