/* SPDX-License-Identifier: MIT */
/*
 * A ucontext_t built by hand, as the kernel would hand it to a signal
 * handler, with an XSAVE-format floating-point area; and the fixture that
 * runs the emulator on exact instruction bytes against it.
 */
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <ucontext.h>
#include <vector>

#include "trap/emulator.h"
#include "trap/xsave_layout.h"
#include "trap/fake_registers.h"

namespace softvfio::trap::test {

/* Never dereferenced: the map says it is a register range. */
constexpr uintptr_t kRange = 0x10000000;

struct SyntheticContext {
	static constexpr uint32_t kXstateSize = 1024; /* FXSAVE + header + YMM_Hi128 */

	SyntheticContext()
	{
		std::memset(&uc, 0, sizeof(uc));
		uc.uc_mcontext.fpregs = reinterpret_cast<fpregset_t>(area);
		XstateSoftwareBytes sw{};
		sw.magic1 = kXstateMagic1;
		sw.extended_size = kXstateSize + 4;
		sw.xfeatures = 0x7; /* x87, SSE, AVX */
		sw.xstate_size = kXstateSize;
		std::memcpy(area + kSoftwareBytesOffset, &sw, sizeof(sw));
		set_xstate_bv(0x7);
	}

	uint8_t *xmm(unsigned index) { return area + kXmmOffset + 16 * index; }
	uint8_t *ymm_high(unsigned index) { return area + kYmmHighDefaultOffset + 16 * index; }
	uint64_t xstate_bv() const
	{
		uint64_t bv;
		std::memcpy(&bv, area + kXsaveHeaderOffset, 8);
		return bv;
	}
	void set_xstate_bv(uint64_t bv) { std::memcpy(area + kXsaveHeaderOffset, &bv, 8); }

	ucontext_t uc;
	alignas(64) uint8_t area[4096] = {};
};

class EmulationTest : public ::testing::Test
{
protected:
	/* Runs `bytes` with RDI = kRange + offset, faulting there. */
	Result<void> run_at(uint64_t offset, std::initializer_list<uint8_t> bytes)
	{
		reg(REG_RDI) = static_cast<greg_t>(kRange + offset);
		return run(bytes, kRange + offset);
	}

	Result<void> run_at(uint64_t offset, const std::vector<uint8_t> &bytes)
	{
		reg(REG_RDI) = static_cast<greg_t>(kRange + offset);
		return run(bytes, kRange + offset);
	}

	Result<void> run(std::initializer_list<uint8_t> bytes, uintptr_t fault)
	{
		return run(std::vector<uint8_t>(bytes), fault);
	}

	Result<void> run(const std::vector<uint8_t> &bytes, uintptr_t fault)
	{
		std::memset(code, 0xcc, sizeof(code));
		std::copy(bytes.begin(), bytes.end(), code);
		length = bytes.size();
		reg(REG_RIP) = reinterpret_cast<greg_t>(code);
		return emulate(context.uc, fault, map, diagnostic);
	}

	greg_t &reg(int index) { return context.uc.uc_mcontext.gregs[index]; }
	uint64_t ureg(int index) { return static_cast<uint64_t>(reg(index)); }
	bool rip_advanced() { return ureg(REG_RIP) == reinterpret_cast<uint64_t>(code) + length; }
	bool rip_unchanged() { return ureg(REG_RIP) == reinterpret_cast<uint64_t>(code); }
	std::vector<RecordedAccess> accesses() const
	{
		return {registers.log, registers.log + registers.logged};
	}

	FakeRegisters registers;
	RangeMap map{kRange, FakeRegisters::kSize, registers};
	SyntheticContext context;
	Diagnostic diagnostic;
	alignas(64) uint8_t code[64];
	size_t length = 0;
};

} /* namespace softvfio::trap::test */
