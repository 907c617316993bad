/* SPDX-License-Identifier: MIT */
/*
 * Plain loads and stores: mov (register, immediate and moffs forms),
 * movzx, movsx, movsxd, movnti, and xchg with memory (implicitly locked:
 * the device sees the read, then the write).
 */
#include <cerrno>

#include "trap/emulate_forms.h"

namespace softvfio::trap {

namespace {

uint64_t sign_extend(uint64_t value, unsigned bytes)
{
	if (bytes >= 8)
		return value;
	unsigned shift = 64 - 8 * bytes;
	return static_cast<uint64_t>(static_cast<int64_t>(value << shift) >> shift);
}

/* Register destination loaded from memory, extended as the mnemonic says. */
Result<void> load_into_register(const Trap &trap, const ZydisDecodedOperand &destination, const MemoryOperand &memory)
{
	if (!is_gpr_operand(destination))
		return err(EOPNOTSUPP);
	auto value = load_value(trap.map, memory.address, memory.size);
	if (!value)
		return err(value.error());
	uint64_t result = *value;
	if (trap.instruction.mnemonic == ZYDIS_MNEMONIC_MOVSX || trap.instruction.mnemonic == ZYDIS_MNEMONIC_MOVSXD)
		result = sign_extend(result, memory.size);
	/* movzx: the load is zero-extended already. set_gpr() then merges
	 * (8/16-bit) or zero-extends (32-bit) at the destination's width. */
	trap.cpu.set_gpr(destination.reg.value, result);
	return {};
}

Result<void> exchange(const Trap &trap, const MemoryOperand &memory)
{
	const ZydisDecodedOperand &other = memory.operand == &trap.operands[0] ? trap.operands[1] : trap.operands[0];
	auto stored = source_value(trap, other, memory.size);
	if (!stored || !is_gpr_operand(other))
		return err(EOPNOTSUPP);
	auto old = load_value(trap.map, memory.address, memory.size);
	if (!old)
		return err(old.error());
	SVFIO_TRY(store_value(trap.map, memory.address, memory.size, *stored));
	trap.cpu.set_gpr(other.reg.value, *old);
	return {};
}

} /* namespace */

Result<void> emulate_move(const Trap &trap)
{
	if (trap.instruction.operand_count_visible != 2)
		return err(EOPNOTSUPP);
	auto memory = faulting_memory_operand(trap);
	if (!memory)
		return err(memory.error());
	if (trap.instruction.mnemonic == ZYDIS_MNEMONIC_XCHG)
		return exchange(trap, *memory);
	if (memory->operand == &trap.operands[1])
		return load_into_register(trap, trap.operands[0], *memory);
	if (memory->operand != &trap.operands[0])
		return err(EOPNOTSUPP);
	/* A store: mov m, r/imm or movnti m, r. */
	auto value = source_value(trap, trap.operands[1], memory->size);
	if (!value)
		return err(value.error());
	return store_value(trap.map, memory->address, memory->size, *value);
}

} /* namespace softvfio::trap */
