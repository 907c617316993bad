/* SPDX-License-Identifier: MIT */
/*
 * The interrupted thread's registers, read and written through the
 * ucontext_t a signal handler receives: what the thread sees after
 * sigreturn. Async-signal-safe.
 */
#pragma once

#include <Zydis/Zydis.h>
#include <cstdint>
#include <ucontext.h>

#include <softvfio/base/result.h>

namespace softvfio::trap {

/* The arithmetic flags: OF SF ZF AF PF CF. */
constexpr uint64_t kFlagCarry = 1u << 0;
constexpr uint64_t kFlagParity = 1u << 2;
constexpr uint64_t kFlagAdjust = 1u << 4;
constexpr uint64_t kFlagZero = 1u << 6;
constexpr uint64_t kFlagSign = 1u << 7;
constexpr uint64_t kFlagDirection = 1u << 10;
constexpr uint64_t kFlagOverflow = 1u << 11;
constexpr uint64_t kArithmeticFlags =
	kFlagCarry | kFlagParity | kFlagAdjust | kFlagZero | kFlagSign | kFlagOverflow;

class CpuState
{
public:
	explicit CpuState(ucontext_t &context) : context_(context) {}

	uint64_t rip() const;
	void set_rip(uint64_t rip);
	uint64_t rflags() const;
	/* Replaces the bits of `mask` with those of `value`. */
	void set_rflags(uint64_t mask, uint64_t value);

	/* A general-purpose register (any width, AH-DH included) as the
	 * instruction reads it, zero-extended. RIP reads as `rip()`. */
	uint64_t gpr(ZydisRegister reg) const;
	/* Writes a general-purpose register as an instruction does: 8- and
	 * 16-bit writes merge into the rest, 32-bit writes zero bits 63:32. */
	void set_gpr(ZydisRegister reg, uint64_t value);

	/* XMM/YMM registers 0-15 (`bytes` 16 or 32; the low `bytes` of out). */
	Result<void> read_vector(ZydisRegister reg, uint8_t *out, unsigned bytes) const;
	/*
	 * Writes the low `bytes` (4, 8, 16 or 32) of an XMM/YMM register from
	 * `in` and zeroes the rest of the XMM register. `vex`: a VEX-encoded
	 * instruction, which also zeroes everything above (YMM and ZMM upper
	 * bits); legacy SSE leaves bits 255 and up alone.
	 */
	Result<void> write_vector(ZydisRegister reg, const uint8_t *in, unsigned bytes, bool vex);
	/* Would write_vector() succeed? Asked before the device is read, so
	 * that a refused load has no side effect on the device. */
	Result<void> check_vector_write(ZydisRegister reg, unsigned bytes, bool vex) const;

private:
	uint8_t *fpstate() const;
	bool has_xsave_header() const;
	uint64_t xstate_bv() const;
	/* Where a component's bytes are in the frame; null if the frame
	 * cannot hold it. */
	uint8_t *component_bytes(unsigned component, size_t size) const;
	/* Makes the component's bytes in the frame authoritative (zeroing
	 * them first if the component was in its initial state); null if the
	 * frame does not hold the component. */
	uint8_t *live_component(unsigned component, size_t size);

	ucontext_t &context_;
};

} /* namespace softvfio::trap */
