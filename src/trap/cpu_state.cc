/* SPDX-License-Identifier: MIT */
#include "trap/cpu_state.h"

#include <atomic>
#include <cerrno>
#include <cpuid.h>
#include <cstring>

#include "trap/xsave_layout.h"

namespace softvfio::trap {

namespace {

/* gregs[] index of each 64-bit GPR in encoding order (RAX, RCX, ... R15):
 * glibc numbers them in the kernel's sigcontext order instead. */
constexpr int kGregOfEncoding[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

bool is_high_byte(ZydisRegister reg)
{
	return reg == ZYDIS_REGISTER_AH || reg == ZYDIS_REGISTER_CH || reg == ZYDIS_REGISTER_DH ||
	       reg == ZYDIS_REGISTER_BH;
}

int greg_index(ZydisRegister reg)
{
	ZydisRegister full = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, reg);
	if (ZydisRegisterGetClass(full) != ZYDIS_REGCLASS_GPR64)
		return -1;
	int id = ZydisRegisterGetId(full);
	return id >= 0 && id < 16 ? kGregOfEncoding[id] : -1;
}

uint64_t width_mask(unsigned bits)
{
	return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

/* Vector register number 0-15 of an XMM/YMM register, -1 otherwise (the
 * EVEX-only registers 16-31 live in another component; not emulated). */
int vector_index(ZydisRegister reg)
{
	ZydisRegisterClass cls = ZydisRegisterGetClass(reg);
	if (cls != ZYDIS_REGCLASS_XMM && cls != ZYDIS_REGCLASS_YMM)
		return -1;
	int id = ZydisRegisterGetId(reg);
	return id >= 0 && id < 16 ? id : -1;
}

} /* namespace */

uint32_t xsave_component_offset(unsigned component)
{
	/* 0 = not asked yet; UINT32_MAX = the CPU lacks the component. Racing
	 * first callers compute the same value. */
	static std::atomic<uint32_t> cache[8];
	if (component >= 8)
		return 0;
	uint32_t cached = cache[component].load(std::memory_order_relaxed);
	if (cached == 0) {
		unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
		if (__get_cpuid_count(0x0d, component, &eax, &ebx, &ecx, &edx) && eax != 0)
			cached = ebx;
		else
			cached = UINT32_MAX;
		cache[component].store(cached, std::memory_order_relaxed);
	}
	return cached == UINT32_MAX ? 0 : cached;
}

uint64_t CpuState::rip() const
{
	return static_cast<uint64_t>(context_.uc_mcontext.gregs[REG_RIP]);
}

void CpuState::set_rip(uint64_t rip)
{
	context_.uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(rip);
}

uint64_t CpuState::rflags() const
{
	return static_cast<uint64_t>(context_.uc_mcontext.gregs[REG_EFL]);
}

void CpuState::set_rflags(uint64_t mask, uint64_t value)
{
	uint64_t flags = (rflags() & ~mask) | (value & mask);
	context_.uc_mcontext.gregs[REG_EFL] = static_cast<greg_t>(flags);
}

uint64_t CpuState::gpr(ZydisRegister reg) const
{
	if (reg == ZYDIS_REGISTER_RIP)
		return rip();
	int index = greg_index(reg);
	if (index < 0)
		return 0;
	uint64_t full = static_cast<uint64_t>(context_.uc_mcontext.gregs[index]);
	if (is_high_byte(reg))
		return (full >> 8) & 0xff;
	return full & width_mask(ZydisRegisterGetWidth(ZYDIS_MACHINE_MODE_LONG_64, reg));
}

void CpuState::set_gpr(ZydisRegister reg, uint64_t value)
{
	int index = greg_index(reg);
	if (index < 0)
		return;
	auto &slot = context_.uc_mcontext.gregs[index];
	uint64_t full = static_cast<uint64_t>(slot);
	unsigned bits = ZydisRegisterGetWidth(ZYDIS_MACHINE_MODE_LONG_64, reg);
	if (is_high_byte(reg))
		full = (full & ~0xff00ull) | ((value & 0xff) << 8);
	else if (bits == 32)
		full = value & 0xffffffffull; /* 32-bit writes zero-extend */
	else
		full = (full & ~width_mask(bits)) | (value & width_mask(bits));
	slot = static_cast<greg_t>(full);
}

uint8_t *CpuState::fpstate() const
{
	return reinterpret_cast<uint8_t *>(context_.uc_mcontext.fpregs);
}

bool CpuState::has_xsave_header() const
{
	XstateSoftwareBytes sw;
	std::memcpy(&sw, fpstate() + kSoftwareBytesOffset, sizeof(sw));
	return sw.magic1 == kXstateMagic1 && sw.xstate_size >= kXsaveHeaderOffset + 64;
}

uint64_t CpuState::xstate_bv() const
{
	uint64_t bv;
	std::memcpy(&bv, fpstate() + kXsaveHeaderOffset, sizeof(bv));
	return bv;
}

uint8_t *CpuState::component_bytes(unsigned component, size_t size) const
{
	uint8_t *fp = fpstate();
	if (fp == nullptr)
		return nullptr;
	if (!has_xsave_header())
		return component == kComponentSse ? fp + kXmmOffset : nullptr; /* plain FXSAVE frame */
	XstateSoftwareBytes sw;
	std::memcpy(&sw, fp + kSoftwareBytesOffset, sizeof(sw));
	size_t offset = component == kComponentSse ? kXmmOffset : xsave_component_offset(component);
	if (offset == 0 || offset + size > sw.xstate_size || !(sw.xfeatures & (1ull << component)))
		return nullptr;
	return fp + offset;
}

uint8_t *CpuState::live_component(unsigned component, size_t size)
{
	uint8_t *bytes = component_bytes(component, size);
	if (bytes == nullptr || !has_xsave_header())
		return bytes;
	uint64_t bv = xstate_bv();
	if (!(bv & (1ull << component))) {
		/* XSAVE left these bytes stale: the component is zero. */
		std::memset(bytes, 0, size);
		bv |= 1ull << component;
		std::memcpy(fpstate() + kXsaveHeaderOffset, &bv, sizeof(bv));
	}
	return bytes;
}

Result<void> CpuState::check_vector_write(ZydisRegister reg, unsigned bytes, bool vex) const
{
	if (vector_index(reg) < 0 || bytes > 32 || component_bytes(kComponentSse, 16 * 16) == nullptr)
		return err(EOPNOTSUPP);
	if ((vex || bytes == 32) && component_bytes(kComponentYmmHigh, 16 * 16) == nullptr)
		return err(EOPNOTSUPP);
	return {};
}

Result<void> CpuState::read_vector(ZydisRegister reg, uint8_t *out, unsigned bytes) const
{
	int index = vector_index(reg);
	if (index < 0 || (bytes != 16 && bytes != 32) || fpstate() == nullptr)
		return err(EOPNOTSUPP);
	std::memset(out, 0, bytes);
	uint8_t *fp = fpstate();
	bool xsave = has_xsave_header();
	uint64_t bv = xsave ? xstate_bv() : 1ull << kComponentSse;
	if (bv & (1ull << kComponentSse))
		std::memcpy(out, fp + kXmmOffset + 16 * index, 16);
	if (bytes == 32) {
		uint32_t offset = xsave_component_offset(kComponentYmmHigh);
		if (!xsave || offset == 0)
			return err(EOPNOTSUPP);
		if (bv & (1ull << kComponentYmmHigh))
			std::memcpy(out + 16, fp + offset + 16 * index, 16);
	}
	return {};
}

Result<void> CpuState::write_vector(ZydisRegister reg, const uint8_t *in, unsigned bytes, bool vex)
{
	SVFIO_TRY(check_vector_write(reg, bytes, vex));
	int index = vector_index(reg);
	uint8_t value[32] = {};
	std::memcpy(value, in, bytes);
	bool upper = vex || bytes == 32;
	uint8_t *xmm = live_component(kComponentSse, 16 * 16);
	uint8_t *ymm_high = upper ? live_component(kComponentYmmHigh, 16 * 16) : nullptr;
	std::memcpy(xmm + 16 * index, value, 16);
	if (!upper)
		return {};
	std::memcpy(ymm_high + 16 * index, value + 16, 16);
	/* VEX zeroes up to the widest vector length: bits 511:256 of ZMM0-15
	 * when AVX-512 state is live (when it is not, they are zero already). */
	if (vex && (xstate_bv() & (1ull << kComponentZmmHigh))) {
		uint32_t offset = xsave_component_offset(kComponentZmmHigh);
		XstateSoftwareBytes sw;
		std::memcpy(&sw, fpstate() + kSoftwareBytesOffset, sizeof(sw));
		if (offset != 0 && offset + 32 * 16 <= sw.xstate_size)
			std::memset(fpstate() + offset + 32 * index, 0, 32);
	}
	return {};
}

} /* namespace softvfio::trap */
