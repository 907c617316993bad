/* SPDX-License-Identifier: MIT */
/*
 * String instructions with a register range on either side: movs (memcpy
 * into, out of or within register ranges), stos (memset) and lods, with or
 * without a rep prefix. The kernel's context already reflects the
 * iterations the CPU completed before the faulting one, so emulation goes
 * on from the registers as they are, one element at a time in the
 * direction DF gives, and leaves RSI, RDI and RCX as the CPU leaves them
 * when it finishes.
 */
#include <cerrno>

#include "trap/emulate_forms.h"

namespace softvfio::trap {

namespace {

enum class StringOp { movs, stos, lods };

bool string_op(const ZydisDecodedInstruction &instruction, StringOp &op)
{
	if (instruction.opcode_map != ZYDIS_OPCODE_MAP_DEFAULT)
		return false;
	switch (instruction.opcode) {
	case 0xa4: case 0xa5: op = StringOp::movs; return true;
	case 0xaa: case 0xab: op = StringOp::stos; return true;
	case 0xac: case 0xad: op = StringOp::lods; return true;
	default: return false;
	}
}

/* The segment of the instruction's memory operand based on `base`. */
ZydisRegister segment_of(const Trap &trap, ZydisRegister base)
{
	for (unsigned i = 0; i < trap.instruction.operand_count; i++) {
		const ZydisDecodedOperand &operand = trap.operands[i];
		if (operand.type == ZYDIS_OPERAND_TYPE_MEMORY && operand.mem.base == base)
			return operand.mem.segment;
	}
	return ZYDIS_REGISTER_DS;
}

/* The segment base as effective_address() sees it: 0 unless FS or GS. */
Result<uintptr_t> segment_base(const Trap &trap, ZydisRegister segment)
{
	ZydisDecodedOperand probe{};
	probe.type = ZYDIS_OPERAND_TYPE_MEMORY;
	probe.mem.type = ZYDIS_MEMOP_TYPE_MEM;
	probe.mem.segment = segment;
	probe.mem.base = ZYDIS_REGISTER_NONE;
	probe.mem.index = ZYDIS_REGISTER_NONE;
	return effective_address(trap, probe);
}

} /* namespace */

Result<void> emulate_string(const Trap &trap)
{
	const ZydisDecodedInstruction &instruction = trap.instruction;
	StringOp op;
	if (!string_op(instruction, op) || instruction.address_width != 64)
		return err(EOPNOTSUPP);
	unsigned size = (instruction.opcode & 1) ? instruction.operand_width / 8 : 1;
	bool repeated = instruction.attributes &
			(ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE);
	CpuState &cpu = trap.cpu;
	uint64_t rsi = cpu.gpr(ZYDIS_REGISTER_RSI), rdi = cpu.gpr(ZYDIS_REGISTER_RDI);
	uint64_t rcx = cpu.gpr(ZYDIS_REGISTER_RCX);
	uint64_t count = repeated ? rcx : 1;
	int64_t step = (cpu.rflags() & kFlagDirection) ? -static_cast<int64_t>(size) : size;
	/* The source may take a segment override; the destination is ES. */
	auto source_base = segment_base(trap, segment_of(trap, ZYDIS_REGISTER_RSI));
	if (!source_base)
		return err(source_base.error());
	ZydisRegister accumulator = size == 1 ? ZYDIS_REGISTER_AL
				    : size == 2 ? ZYDIS_REGISTER_AX
				    : size == 4 ? ZYDIS_REGISTER_EAX : ZYDIS_REGISTER_RAX;
	uint64_t fill = cpu.gpr(accumulator);
	/* The element the CPU stopped at must touch a register range: if
	 * neither side does, the fault is not ours (and copying would fault
	 * again inside the handler). */
	RegisterTarget target;
	bool source_is_registers = op != StringOp::stos &&
				   trap.map.resolve(*source_base + rsi, size, target) != Region::memory;
	bool destination_is_registers = op != StringOp::lods && trap.map.resolve(rdi, size, target) != Region::memory;
	if (count > 0 && !source_is_registers && !destination_is_registers)
		return err(EFAULT);
	Result<void> status;
	for (; count > 0; count--) {
		uint8_t element[8];
		if (op == StringOp::stos) {
			status = store_value(trap.map, rdi, size, fill);
		} else {
			status = load(trap.map, *source_base + rsi, size, element);
			if (status && op == StringOp::movs)
				status = store(trap.map, rdi, size, element);
			if (status && op == StringOp::lods) {
				uint64_t loaded = 0;
				__builtin_memcpy(&loaded, element, size);
				cpu.set_gpr(accumulator, loaded);
			}
		}
		if (!status)
			break;
		if (op != StringOp::stos)
			rsi += step;
		if (op != StringOp::lods)
			rdi += step;
		if (repeated)
			rcx--;
	}
	/* Also on failure: the registers say which element failed, as the
	 * CPU's would at a fault. */
	cpu.set_gpr(ZYDIS_REGISTER_RSI, rsi);
	cpu.set_gpr(ZYDIS_REGISTER_RDI, rdi);
	cpu.set_gpr(ZYDIS_REGISTER_RCX, rcx);
	return status;
}

} /* namespace softvfio::trap */
