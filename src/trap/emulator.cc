/* SPDX-License-Identifier: MIT */
/*
 * Fetches and decodes the faulting instruction, hands it to the family
 * that emulates it, and advances RIP; or explains in one line why not.
 */
#include "trap/emulator.h"

#include <Zydis/Zydis.h>
#include <cerrno>

#include "trap/emulate_forms.h"
#include "trap/instruction_fetch.h"

namespace softvfio::trap {

namespace {

const char *reason(int error)
{
	switch (error) {
	case EOPNOTSUPP: return "instruction not emulated on register ranges";
	case EFAULT: return "access straddles a register range's edge or misses the fault address";
	case EILSEQ: return "bytes do not decode";
	case EINVAL: return "operand not valid for the instruction (alignment)";
	default: return "emulation failed";
	}
}

Result<void> fail(Diagnostic &diagnostic, int error, const char *mnemonic, uint64_t rip, const uint8_t *bytes,
		  size_t length, uintptr_t fault_address)
{
	diagnostic.clear();
	diagnostic.append("softvfio: cannot emulate '")
		.append(mnemonic)
		.append("' (")
		.append_bytes(bytes, length)
		.append(") at rip ")
		.append_hex(rip)
		.append(" on ")
		.append_hex(fault_address)
		.append(": ")
		.append(reason(error));
	return err(error);
}

} /* namespace */

FormEmulator form_for(const ZydisDecodedInstruction &instruction)
{
	switch (instruction.mnemonic) {
	case ZYDIS_MNEMONIC_MOV:
	case ZYDIS_MNEMONIC_MOVZX:
	case ZYDIS_MNEMONIC_MOVSX:
	case ZYDIS_MNEMONIC_MOVSXD:
	case ZYDIS_MNEMONIC_MOVNTI:
	case ZYDIS_MNEMONIC_XCHG:
		return emulate_move;
	case ZYDIS_MNEMONIC_ADD:
	case ZYDIS_MNEMONIC_SUB:
	case ZYDIS_MNEMONIC_AND:
	case ZYDIS_MNEMONIC_OR:
	case ZYDIS_MNEMONIC_XOR:
	case ZYDIS_MNEMONIC_CMP:
	case ZYDIS_MNEMONIC_TEST:
	case ZYDIS_MNEMONIC_INC:
	case ZYDIS_MNEMONIC_DEC:
	case ZYDIS_MNEMONIC_NEG:
	case ZYDIS_MNEMONIC_NOT:
	case ZYDIS_MNEMONIC_XADD:
	case ZYDIS_MNEMONIC_CMPXCHG:
	case ZYDIS_MNEMONIC_CMPXCHG8B:
	case ZYDIS_MNEMONIC_CMPXCHG16B:
		return emulate_read_modify_write;
	case ZYDIS_MNEMONIC_MOVSB:
	case ZYDIS_MNEMONIC_MOVSW:
	case ZYDIS_MNEMONIC_MOVSQ:
	case ZYDIS_MNEMONIC_STOSB:
	case ZYDIS_MNEMONIC_STOSW:
	case ZYDIS_MNEMONIC_STOSD:
	case ZYDIS_MNEMONIC_STOSQ:
	case ZYDIS_MNEMONIC_LODSB:
	case ZYDIS_MNEMONIC_LODSW:
	case ZYDIS_MNEMONIC_LODSD:
	case ZYDIS_MNEMONIC_LODSQ:
		return emulate_string;
	case ZYDIS_MNEMONIC_MOVSD:
		/* Both the string move (a5) and SSE2's scalar double move. */
		return instruction.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT ? emulate_string : nullptr;
	case ZYDIS_MNEMONIC_MOVD:
	case ZYDIS_MNEMONIC_MOVQ:
	case ZYDIS_MNEMONIC_MOVDQA:
	case ZYDIS_MNEMONIC_MOVDQU:
	case ZYDIS_MNEMONIC_MOVAPS:
	case ZYDIS_MNEMONIC_MOVUPS:
	case ZYDIS_MNEMONIC_MOVAPD:
	case ZYDIS_MNEMONIC_MOVUPD:
	case ZYDIS_MNEMONIC_MOVNTDQ:
	case ZYDIS_MNEMONIC_MOVNTPS:
	case ZYDIS_MNEMONIC_MOVNTPD:
	case ZYDIS_MNEMONIC_MOVNTDQA:
	case ZYDIS_MNEMONIC_LDDQU:
	case ZYDIS_MNEMONIC_VMOVD:
	case ZYDIS_MNEMONIC_VMOVQ:
	case ZYDIS_MNEMONIC_VMOVDQA:
	case ZYDIS_MNEMONIC_VMOVDQU:
	case ZYDIS_MNEMONIC_VMOVAPS:
	case ZYDIS_MNEMONIC_VMOVUPS:
	case ZYDIS_MNEMONIC_VMOVAPD:
	case ZYDIS_MNEMONIC_VMOVUPD:
	case ZYDIS_MNEMONIC_VMOVNTDQ:
	case ZYDIS_MNEMONIC_VMOVNTPS:
	case ZYDIS_MNEMONIC_VMOVNTPD:
	case ZYDIS_MNEMONIC_VMOVNTDQA:
	case ZYDIS_MNEMONIC_VLDDQU:
		return emulate_vector_move;
	default:
		return nullptr;
	}
}

Result<void> emulate(ucontext_t &context, uintptr_t fault_address, const AddressMap &map, Diagnostic &diagnostic)
{
	CpuState cpu(context);
	uint64_t rip = cpu.rip();
	uint8_t bytes[kMaxInstructionLength];
	size_t available = fetch_instruction(rip, bytes);

	ZydisDecoder decoder;
	ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	ZydisDecodedInstruction instruction;
	ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT];
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, bytes, available, &instruction, operands)))
		return fail(diagnostic, EILSEQ, "?", rip, bytes, available, fault_address);

	const char *mnemonic = ZydisMnemonicGetString(instruction.mnemonic);
	FormEmulator form = form_for(instruction);
	if (form == nullptr)
		return fail(diagnostic, EOPNOTSUPP, mnemonic, rip, bytes, instruction.length, fault_address);
	Trap trap{cpu, map, fault_address, instruction, operands};
	if (auto done = form(trap); !done)
		return fail(diagnostic, done.error(), mnemonic, rip, bytes, instruction.length, fault_address);
	cpu.set_rip(rip + instruction.length);
	return {};
}

} /* namespace softvfio::trap */
