/* SPDX-License-Identifier: MIT */
#include "trap/operand_access.h"

#include <asm/prctl.h>
#include <cerrno>
#include <cstring>
#include <sys/syscall.h>
#include <unistd.h>

namespace softvfio::trap {

namespace {

/* The FS or GS base of the interrupted thread: a signal handler runs on
 * the same thread with the same bases. */
uintptr_t segment_base(ZydisRegister segment)
{
	int code;
	if (segment == ZYDIS_REGISTER_FS)
		code = ARCH_GET_FS;
	else if (segment == ZYDIS_REGISTER_GS)
		code = ARCH_GET_GS;
	else
		return 0; /* CS, DS, ES and SS have base 0 in 64-bit mode */
	unsigned long base = 0;
	if (syscall(SYS_arch_prctl, code, &base) != 0)
		return 0;
	return base;
}

Result<void> access(const AddressMap &map, uintptr_t address, unsigned size, uint8_t *bytes, bool write)
{
	RegisterTarget target;
	switch (map.resolve(address, size, target)) {
	case Region::memory:
		/* Plain memory, the other side of a string instruction. */
		if (write)
			std::memcpy(reinterpret_cast<void *>(address), bytes, size);
		else
			std::memcpy(bytes, reinterpret_cast<const void *>(address), size);
		return {};
	case Region::mixed:
		return err(EFAULT);
	case Region::registers:
		break;
	}
	if (target.space == nullptr)
		return err(EFAULT);
	unsigned chunk = size > 8 ? 8 : size;
	if (chunk != 1 && chunk != 2 && chunk != 4 && chunk != 8)
		return err(EINVAL);
	for (unsigned done = 0; done < size; done += chunk) {
		uint64_t value = 0;
		if (write) {
			std::memcpy(&value, bytes + done, chunk);
			target.space->write(target.offset + done, chunk, value);
		} else {
			value = target.space->read(target.offset + done, chunk);
			std::memcpy(bytes + done, &value, chunk);
		}
		if (target.space->failed())
			return err(EFAULT);
	}
	return {};
}

} /* namespace */

Result<uintptr_t> effective_address(const Trap &trap, const ZydisDecodedOperand &operand)
{
	if (operand.type != ZYDIS_OPERAND_TYPE_MEMORY || operand.mem.type != ZYDIS_MEMOP_TYPE_MEM)
		return err(EINVAL);
	uint64_t address = static_cast<uint64_t>(operand.mem.disp.value);
	if (operand.mem.base == ZYDIS_REGISTER_RIP || operand.mem.base == ZYDIS_REGISTER_EIP)
		address += trap.cpu.rip() + trap.instruction.length;
	else if (operand.mem.base != ZYDIS_REGISTER_NONE)
		address += trap.cpu.gpr(operand.mem.base);
	if (operand.mem.index != ZYDIS_REGISTER_NONE)
		address += trap.cpu.gpr(operand.mem.index) * operand.mem.scale;
	if (trap.instruction.address_width == 32)
		address &= 0xffffffffull;
	return static_cast<uintptr_t>(address + segment_base(operand.mem.segment));
}

Result<void> load(const AddressMap &map, uintptr_t address, unsigned size, uint8_t *out)
{
	return access(map, address, size, out, false);
}

Result<void> store(const AddressMap &map, uintptr_t address, unsigned size, const uint8_t *in)
{
	/* access() only reads from `in` when writing. */
	return access(map, address, size, const_cast<uint8_t *>(in), true);
}

Result<uint64_t> load_value(const AddressMap &map, uintptr_t address, unsigned size)
{
	uint64_t value = 0;
	SVFIO_TRY(access(map, address, size, reinterpret_cast<uint8_t *>(&value), false));
	return value;
}

Result<void> store_value(const AddressMap &map, uintptr_t address, unsigned size, uint64_t value)
{
	return access(map, address, size, reinterpret_cast<uint8_t *>(&value), true);
}

bool is_gpr_operand(const ZydisDecodedOperand &operand)
{
	if (operand.type != ZYDIS_OPERAND_TYPE_REGISTER)
		return false;
	switch (ZydisRegisterGetClass(operand.reg.value)) {
	case ZYDIS_REGCLASS_GPR8:
	case ZYDIS_REGCLASS_GPR16:
	case ZYDIS_REGCLASS_GPR32:
	case ZYDIS_REGCLASS_GPR64:
		return true;
	default:
		return false;
	}
}

Result<uint64_t> source_value(const Trap &trap, const ZydisDecodedOperand &operand, unsigned size)
{
	if (is_gpr_operand(operand))
		return truncate(trap.cpu.gpr(operand.reg.value), size);
	if (operand.type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
		return truncate(operand.imm.value.u, size);
	return err(EOPNOTSUPP);
}

Result<MemoryOperand> faulting_memory_operand(const Trap &trap)
{
	for (unsigned i = 0; i < trap.instruction.operand_count; i++) {
		const ZydisDecodedOperand &operand = trap.operands[i];
		if (operand.type != ZYDIS_OPERAND_TYPE_MEMORY || operand.mem.type != ZYDIS_MEMOP_TYPE_MEM)
			continue;
		auto address = effective_address(trap, operand);
		if (!address)
			return err(address.error());
		unsigned size = operand.size / 8;
		/* The kernel's fault address must lie in the operand: anything
		 * else means we decoded something other than what faulted. */
		if (trap.fault_address < *address || trap.fault_address - *address >= size)
			return err(EFAULT);
		/* Only string instructions touch plain memory: here it would be
		 * a fault that is not ours (and touching it would fault again
		 * inside the handler). */
		RegisterTarget target;
		if (trap.map.resolve(*address, size, target) != Region::registers)
			return err(EFAULT);
		return MemoryOperand{&operand, *address, size};
	}
	return err(EINVAL);
}

} /* namespace softvfio::trap */
