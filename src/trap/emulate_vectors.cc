/* SPDX-License-Identifier: MIT */
/*
 * SSE and AVX moves between an XMM/YMM register and a register range:
 * 16- and 32-byte moves (movdqa/movdqu/movaps/movups/movapd/movupd, their
 * non-temporal forms, lddqu, and the VEX forms of all of them) and the
 * 4- and 8-byte movd/movq. EVEX (AVX-512) forms are not emulated: masking
 * and the registers 16-31 would need more than a move.
 */
#include <cerrno>

#include "trap/emulate_forms.h"

namespace softvfio::trap {

namespace {

/* Does the form fault (#GP) on an address not aligned to its size? */
bool requires_alignment(ZydisMnemonic mnemonic)
{
	switch (mnemonic) {
	case ZYDIS_MNEMONIC_MOVDQA:
	case ZYDIS_MNEMONIC_MOVAPS:
	case ZYDIS_MNEMONIC_MOVAPD:
	case ZYDIS_MNEMONIC_MOVNTDQ:
	case ZYDIS_MNEMONIC_MOVNTPS:
	case ZYDIS_MNEMONIC_MOVNTPD:
	case ZYDIS_MNEMONIC_MOVNTDQA:
	case ZYDIS_MNEMONIC_VMOVDQA:
	case ZYDIS_MNEMONIC_VMOVAPS:
	case ZYDIS_MNEMONIC_VMOVAPD:
	case ZYDIS_MNEMONIC_VMOVNTDQ:
	case ZYDIS_MNEMONIC_VMOVNTPS:
	case ZYDIS_MNEMONIC_VMOVNTPD:
	case ZYDIS_MNEMONIC_VMOVNTDQA:
		return true;
	default:
		return false;
	}
}

bool is_vector_register(const ZydisDecodedOperand &operand)
{
	if (operand.type != ZYDIS_OPERAND_TYPE_REGISTER)
		return false;
	ZydisRegisterClass cls = ZydisRegisterGetClass(operand.reg.value);
	return cls == ZYDIS_REGCLASS_XMM || cls == ZYDIS_REGCLASS_YMM;
}

} /* namespace */

Result<void> emulate_vector_move(const Trap &trap)
{
	const ZydisDecodedInstruction &instruction = trap.instruction;
	bool vex = instruction.encoding == ZYDIS_INSTRUCTION_ENCODING_VEX;
	if (!vex && instruction.encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return err(EOPNOTSUPP);
	if (instruction.operand_count_visible != 2)
		return err(EOPNOTSUPP);
	auto memory = faulting_memory_operand(trap);
	if (!memory)
		return err(memory.error());
	unsigned size = memory->size;
	if (size != 4 && size != 8 && size != 16 && size != 32)
		return err(EOPNOTSUPP);
	const ZydisDecodedOperand &other = memory->operand == &trap.operands[0] ? trap.operands[1] : trap.operands[0];
	/* movq also has MMX forms (mm0-mm7): not emulated. */
	if (!is_vector_register(other))
		return err(EOPNOTSUPP);
	if (requires_alignment(instruction.mnemonic) && memory->address % size != 0)
		return err(EINVAL);
	uint8_t bytes[32];
	if (memory->operand == &trap.operands[1]) {
		SVFIO_TRY(trap.cpu.check_vector_write(other.reg.value, size, vex));
		SVFIO_TRY(load(trap.map, memory->address, size, bytes));
		return trap.cpu.write_vector(other.reg.value, bytes, size, vex);
	}
	SVFIO_TRY(trap.cpu.read_vector(other.reg.value, bytes, size == 32 ? 32 : 16));
	return store(trap.map, memory->address, size, bytes);
}

} /* namespace softvfio::trap */
