/* SPDX-License-Identifier: MIT */
/*
 * The layout of the floating-point state the kernel puts in a signal frame
 * on x86-64 (ucontext_t::uc_mcontext.fpregs), as far as the emulator uses
 * it. The facts, from the Intel SDM (FXSAVE/XSAVE) and the Linux uAPI
 * <asm/sigcontext.h>:
 *
 *  - the first 512 bytes are the FXSAVE image: MXCSR at 24, x87 registers at
 *    32, XMM0-15 at 160 (16 bytes each), bytes 464-511 reserved for
 *    software;
 *  - when the kernel saved with XSAVE, those software bytes start with
 *    FP_XSTATE_MAGIC1 and describe the extended frame (its total size and
 *    the features in it), and the 64-byte XSAVE header follows at 512; its
 *    first word, XSTATE_BV, says which components hold live state: a clear
 *    bit means "in its initial state (zero)" and XRSTOR on sigreturn ignores
 *    the component's bytes in the frame;
 *  - signal frames use the standard (non-compacted) format, so component i
 *    sits at the offset CPUID.(EAX=0DH,ECX=i).EBX gives: the upper halves of
 *    YMM0-15 (component 2, 16 bytes each) at 576 on every CPU so far, the
 *    upper halves of ZMM0-15 (component 6, 32 bytes each) where AVX-512 is.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/ucontext.h>

namespace softvfio::trap {

constexpr uint32_t kXstateMagic1 = 0x46505853; /* "FPXS" */
constexpr size_t kFxsaveSize = 512;
constexpr size_t kXmmOffset = 160;
constexpr size_t kSoftwareBytesOffset = 464;
constexpr size_t kXsaveHeaderOffset = 512;
constexpr size_t kYmmHighDefaultOffset = 576;

/* XSAVE state components (bits of XSTATE_BV). */
constexpr unsigned kComponentSse = 1;
constexpr unsigned kComponentYmmHigh = 2;
constexpr unsigned kComponentZmmHigh = 6;

/* Bytes 464..511 of the FXSAVE image when the kernel used XSAVE. */
struct XstateSoftwareBytes {
	uint32_t magic1;
	uint32_t extended_size; /* the whole frame, including the trailing magic2 */
	uint64_t xfeatures;
	uint32_t xstate_size;   /* the XSAVE image without magic2 */
	uint32_t padding[7];
};

static_assert(sizeof(XstateSoftwareBytes) == 48);
static_assert(kSoftwareBytesOffset + sizeof(XstateSoftwareBytes) == kFxsaveSize);
/* glibc's view of the same FXSAVE image. */
static_assert(sizeof(struct _libc_fpstate) == kFxsaveSize);
static_assert(offsetof(struct _libc_fpstate, mxcsr) == 24);
static_assert(offsetof(struct _libc_fpstate, _xmm) == kXmmOffset);
static_assert(sizeof(_libc_xmmreg) == 16);
/* glibc's reserved tail (416..511) holds the software bytes in its last 48. */
static_assert(offsetof(struct _libc_fpstate, __glibc_reserved1) == kXmmOffset + 16 * 16);
static_assert(sizeof(_libc_fpstate::__glibc_reserved1) == 96);

/* CPUID.(EAX=0DH,ECX=component).EBX: the component's offset in a standard
 * XSAVE image, 0 when the CPU lacks it. Cached after the first call, so it
 * is async-signal-safe and cheap on the fault path. */
uint32_t xsave_component_offset(unsigned component);

} /* namespace softvfio::trap */
