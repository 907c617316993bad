/* SPDX-License-Identifier: MIT */
/*
 * Instructions that read a register, compute and (mostly) write it back:
 * the arithmetic and logic group, xadd and the compare-exchanges. A lock
 * prefix changes nothing here — the faulting thread is stopped and the
 * device sees the read and then the write, in that order, as on a locked
 * bus cycle. RFLAGS get what the instruction defines.
 */
#include <cerrno>
#include <cstring>

#include "trap/alu.h"
#include "trap/emulate_forms.h"

namespace softvfio::trap {

namespace {

struct ArithmeticForm {
	AluOp op;
	bool writes_destination; /* false: cmp and test only set flags */
};

bool arithmetic_form(ZydisMnemonic mnemonic, ArithmeticForm &form)
{
	switch (mnemonic) {
	case ZYDIS_MNEMONIC_ADD: form = {AluOp::add, true}; return true;
	case ZYDIS_MNEMONIC_SUB: form = {AluOp::sub, true}; return true;
	case ZYDIS_MNEMONIC_AND: form = {AluOp::and_, true}; return true;
	case ZYDIS_MNEMONIC_OR: form = {AluOp::or_, true}; return true;
	case ZYDIS_MNEMONIC_XOR: form = {AluOp::xor_, true}; return true;
	case ZYDIS_MNEMONIC_CMP: form = {AluOp::sub, false}; return true;
	case ZYDIS_MNEMONIC_TEST: form = {AluOp::and_, false}; return true;
	case ZYDIS_MNEMONIC_INC: form = {AluOp::inc, true}; return true;
	case ZYDIS_MNEMONIC_DEC: form = {AluOp::dec, true}; return true;
	case ZYDIS_MNEMONIC_NEG: form = {AluOp::neg, true}; return true;
	default: return false;
	}
}

/* Writes an instruction's result to its destination operand. */
Result<void> write_destination(const Trap &trap, const MemoryOperand &memory, const ZydisDecodedOperand &destination,
			       uint64_t value)
{
	if (&destination == memory.operand)
		return store_value(trap.map, memory.address, memory.size, value);
	if (!is_gpr_operand(destination))
		return err(EOPNOTSUPP);
	trap.cpu.set_gpr(destination.reg.value, value);
	return {};
}

/* Value of an operand: the memory one (already loaded) or a register or
 * immediate. */
Result<uint64_t> operand_value(const Trap &trap, const MemoryOperand &memory, uint64_t loaded,
			       const ZydisDecodedOperand &operand)
{
	if (&operand == memory.operand)
		return loaded;
	return source_value(trap, operand, memory.size);
}

Result<void> arithmetic(const Trap &trap, const MemoryOperand &memory, ArithmeticForm form)
{
	bool unary = form.op == AluOp::inc || form.op == AluOp::dec || form.op == AluOp::neg;
	if (trap.instruction.operand_count_visible != (unary ? 1 : 2))
		return err(EOPNOTSUPP);
	const ZydisDecodedOperand &destination = trap.operands[0];
	/* Check the other operand before touching the device. */
	if (!unary && &trap.operands[1] != memory.operand && !source_value(trap, trap.operands[1], memory.size))
		return err(EOPNOTSUPP);
	if (&destination != memory.operand && !is_gpr_operand(destination))
		return err(EOPNOTSUPP);
	auto loaded = load_value(trap.map, memory.address, memory.size);
	if (!loaded)
		return err(loaded.error());
	uint64_t a = *operand_value(trap, memory, *loaded, destination);
	uint64_t b = unary ? 0 : *operand_value(trap, memory, *loaded, trap.operands[1]);
	AluResult result = alu(form.op, memory.size, a, b);
	if (form.writes_destination)
		SVFIO_TRY(write_destination(trap, memory, destination, result.value));
	trap.cpu.set_rflags(alu_flags_written(form.op), result.flags);
	return {};
}

/* not: no flags. */
Result<void> complement(const Trap &trap, const MemoryOperand &memory)
{
	auto loaded = load_value(trap.map, memory.address, memory.size);
	if (!loaded)
		return err(loaded.error());
	return store_value(trap.map, memory.address, memory.size, truncate(~*loaded, memory.size));
}

/* xadd m, r: m = m + r, r = old m; flags of the add. */
Result<void> exchange_add(const Trap &trap, const MemoryOperand &memory)
{
	const ZydisDecodedOperand &source = trap.operands[1];
	if (memory.operand != &trap.operands[0] || !is_gpr_operand(source))
		return err(EOPNOTSUPP);
	uint64_t addend = truncate(trap.cpu.gpr(source.reg.value), memory.size);
	auto old = load_value(trap.map, memory.address, memory.size);
	if (!old)
		return err(old.error());
	AluResult sum = alu(AluOp::add, memory.size, *old, addend);
	SVFIO_TRY(store_value(trap.map, memory.address, memory.size, sum.value));
	trap.cpu.set_gpr(source.reg.value, *old);
	trap.cpu.set_rflags(kArithmeticFlags, sum.flags);
	return {};
}

ZydisRegister accumulator(unsigned size)
{
	switch (size) {
	case 1: return ZYDIS_REGISTER_AL;
	case 2: return ZYDIS_REGISTER_AX;
	case 4: return ZYDIS_REGISTER_EAX;
	default: return ZYDIS_REGISTER_RAX;
	}
}

/*
 * cmpxchg m, r: compare the accumulator with m; equal: m = r, otherwise
 * the accumulator = m. The bus always sees a write (the old value when the
 * comparison fails), so the device does too. Flags of `cmp acc, m`.
 */
Result<void> compare_exchange(const Trap &trap, const MemoryOperand &memory)
{
	const ZydisDecodedOperand &source = trap.operands[1];
	if (memory.operand != &trap.operands[0] || !is_gpr_operand(source))
		return err(EOPNOTSUPP);
	ZydisRegister acc = accumulator(memory.size);
	uint64_t expected = trap.cpu.gpr(acc);
	uint64_t replacement = truncate(trap.cpu.gpr(source.reg.value), memory.size);
	auto old = load_value(trap.map, memory.address, memory.size);
	if (!old)
		return err(old.error());
	AluResult compared = alu(AluOp::sub, memory.size, expected, *old);
	bool equal = expected == *old;
	SVFIO_TRY(store_value(trap.map, memory.address, memory.size, equal ? replacement : *old));
	if (!equal)
		trap.cpu.set_gpr(acc, *old);
	trap.cpu.set_rflags(kArithmeticFlags, compared.flags);
	return {};
}

/*
 * cmpxchg8b m64 / cmpxchg16b m128: compare EDX:EAX (RDX:RAX) with m;
 * equal: m = ECX:EBX (RCX:RBX) and ZF = 1; otherwise EDX:EAX = m, ZF = 0,
 * and m is written back unchanged. Only ZF changes. The 16-byte form
 * reaches the device as two 8-byte accesses, low half first.
 */
Result<void> compare_exchange_pair(const Trap &trap, const MemoryOperand &memory)
{
	bool wide = trap.instruction.mnemonic == ZYDIS_MNEMONIC_CMPXCHG16B;
	unsigned half = wide ? 8 : 4;
	if (memory.size != 2 * half)
		return err(EOPNOTSUPP);
	if (wide && memory.address % 16 != 0)
		return err(EINVAL); /* the CPU raises #GP */
	ZydisRegister low = wide ? ZYDIS_REGISTER_RAX : ZYDIS_REGISTER_EAX;
	ZydisRegister high = wide ? ZYDIS_REGISTER_RDX : ZYDIS_REGISTER_EDX;
	ZydisRegister new_low = wide ? ZYDIS_REGISTER_RBX : ZYDIS_REGISTER_EBX;
	ZydisRegister new_high = wide ? ZYDIS_REGISTER_RCX : ZYDIS_REGISTER_ECX;
	uint8_t old[16];
	SVFIO_TRY(load(trap.map, memory.address, memory.size, old));
	uint64_t old_low = 0, old_high = 0;
	std::memcpy(&old_low, old, half);
	std::memcpy(&old_high, old + half, half);
	bool equal = old_low == trap.cpu.gpr(low) && old_high == trap.cpu.gpr(high);
	uint8_t written[16];
	if (equal) {
		uint64_t value_low = trap.cpu.gpr(new_low), value_high = trap.cpu.gpr(new_high);
		std::memcpy(written, &value_low, half);
		std::memcpy(written + half, &value_high, half);
	} else {
		std::memcpy(written, old, memory.size);
	}
	SVFIO_TRY(store(trap.map, memory.address, memory.size, written));
	if (!equal) {
		trap.cpu.set_gpr(low, old_low);
		trap.cpu.set_gpr(high, old_high);
	}
	trap.cpu.set_rflags(kFlagZero, equal ? kFlagZero : 0);
	return {};
}

} /* namespace */

Result<void> emulate_read_modify_write(const Trap &trap)
{
	auto memory = faulting_memory_operand(trap);
	if (!memory)
		return err(memory.error());
	if (memory->size > 8 && trap.instruction.mnemonic != ZYDIS_MNEMONIC_CMPXCHG16B)
		return err(EOPNOTSUPP);
	ArithmeticForm form;
	switch (trap.instruction.mnemonic) {
	case ZYDIS_MNEMONIC_NOT:
		return complement(trap, *memory);
	case ZYDIS_MNEMONIC_XADD:
		return exchange_add(trap, *memory);
	case ZYDIS_MNEMONIC_CMPXCHG:
		return compare_exchange(trap, *memory);
	case ZYDIS_MNEMONIC_CMPXCHG8B:
	case ZYDIS_MNEMONIC_CMPXCHG16B:
		return compare_exchange_pair(trap, *memory);
	default:
		if (!arithmetic_form(trap.instruction.mnemonic, form))
			return err(EOPNOTSUPP);
		return arithmetic(trap, *memory, form);
	}
}

} /* namespace softvfio::trap */
