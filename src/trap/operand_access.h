/* SPDX-License-Identifier: MIT */
/*
 * Memory operands of a decoded instruction: where they point, and moving
 * their bytes to and from wherever that is (a register range, through its
 * RegisterSpace, or plain memory). Async-signal-safe.
 */
#pragma once

#include <Zydis/Zydis.h>
#include <cstddef>
#include <cstdint>

#include <softvfio/base/result.h>

#include "trap/cpu_state.h"
#include "trap/register_space.h"

namespace softvfio::trap {

/* One decoded instruction and the state it runs against. */
struct Trap {
	CpuState &cpu;
	const AddressMap &map;
	uintptr_t fault_address;
	const ZydisDecodedInstruction &instruction;
	const ZydisDecodedOperand *operands; /* instruction.operand_count of them */
};

/* The linear address of a memory operand: base + index * scale + disp
 * (RIP-relative from the next instruction), truncated to the address size,
 * plus the FS/GS base for those segments. */
Result<uintptr_t> effective_address(const Trap &trap, const ZydisDecodedOperand &operand);

/*
 * A memory access of `size` bytes (1, 2, 4, 8, 16 or 32) at `address`.
 * If the range is a register range the accesses go to its space (sizes
 * above 8 as 8-byte accesses, ascending); if it is plain memory it is
 * copied directly (string instructions touch both kinds). A range that
 * straddles a register range's edge fails with EFAULT.
 */
Result<void> load(const AddressMap &map, uintptr_t address, unsigned size, uint8_t *out);
Result<void> store(const AddressMap &map, uintptr_t address, unsigned size, const uint8_t *in);

/* The same for values up to 8 bytes, little-endian in a uint64_t. */
Result<uint64_t> load_value(const AddressMap &map, uintptr_t address, unsigned size);
Result<void> store_value(const AddressMap &map, uintptr_t address, unsigned size, uint64_t value);

/* The instruction's memory operand that the fault hit: its address, which
 * must contain the fault address and lie in one register range (else
 * EFAULT), and its size in bytes. */
struct MemoryOperand {
	const ZydisDecodedOperand *operand;
	uintptr_t address;
	unsigned size;
};
Result<MemoryOperand> faulting_memory_operand(const Trap &trap);

/* A register or immediate source operand's value, truncated to `size`
 * bytes: general-purpose registers and immediates (which Zydis gives
 * sign-extended) only. EOPNOTSUPP for anything else. */
Result<uint64_t> source_value(const Trap &trap, const ZydisDecodedOperand &operand, unsigned size);

/* A general-purpose register operand (what set_gpr() can write). */
bool is_gpr_operand(const ZydisDecodedOperand &operand);

inline uint64_t truncate(uint64_t value, unsigned bytes)
{
	return bytes >= 8 ? value : value & ((1ull << (8 * bytes)) - 1);
}

} /* namespace softvfio::trap */
