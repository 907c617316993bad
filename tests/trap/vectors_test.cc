/* SPDX-License-Identifier: MIT */
/* SSE/AVX moves between XMM/YMM registers (in the context's XSAVE area)
 * and a register range, as 8-byte accesses in ascending order. */
#include <array>

#include "trap/synthetic_context.h"

namespace softvfio::trap::test {
namespace {

constexpr uint64_t kLow = 0x0706050403020100ull, kHigh = 0x0f0e0d0c0b0a0908ull;
constexpr uint64_t kThird = 0x1716151413121110ull, kFourth = 0x1f1e1d1c1b1a1918ull;

class VectorMoves : public EmulationTest
{
protected:
	void SetUp() override
	{
		for (unsigned i = 0; i < 32; i++)
			registers.bytes[0x80 + i] = static_cast<uint8_t>(i);
		/* Distinct junk in every register, to see what changes. */
		for (unsigned r = 0; r < 16; r++) {
			std::memset(context.xmm(r), 0xa0 + r, 16);
			std::memset(context.ymm_high(r), 0xb0 + r, 16);
		}
	}

	static std::array<uint8_t, 16> bytes_from(uint8_t first)
	{
		std::array<uint8_t, 16> out;
		for (unsigned i = 0; i < 16; i++)
			out[i] = static_cast<uint8_t>(first + i);
		return out;
	}
	static std::array<uint8_t, 16> filled(uint8_t value)
	{
		std::array<uint8_t, 16> out;
		out.fill(value);
		return out;
	}
	std::array<uint8_t, 16> xmm(unsigned r)
	{
		std::array<uint8_t, 16> out;
		std::memcpy(out.data(), context.xmm(r), 16);
		return out;
	}
	std::array<uint8_t, 16> ymm_high(unsigned r)
	{
		std::array<uint8_t, 16> out;
		std::memcpy(out.data(), context.ymm_high(r), 16);
		return out;
	}
};

TEST_F(VectorMoves, MovdquLoadKeepsTheYmmUpperHalf)
{
	ASSERT_TRUE(run_at(0x80, {0xf3, 0x0f, 0x6f, 0x0f})); /* movdqu (%rdi),%xmm1 */
	EXPECT_EQ(accesses(), (std::vector{Read(0x80, 8, kLow), Read(0x88, 8, kHigh)}));
	EXPECT_EQ(xmm(1), bytes_from(0));
	EXPECT_EQ(ymm_high(1), filled(0xb1));
	EXPECT_EQ(xmm(2), filled(0xa2));
	EXPECT_TRUE(rip_advanced());
}

TEST_F(VectorMoves, MovdqaLoadAligned)
{
	ASSERT_TRUE(run_at(0x80, {0x66, 0x0f, 0x6f, 0x0f})); /* movdqa (%rdi),%xmm1 */
	EXPECT_EQ(xmm(1), bytes_from(0));
}

TEST_F(VectorMoves, MovupsStore)
{
	std::memcpy(context.xmm(1), bytes_from(0x40).data(), 16);
	ASSERT_TRUE(run_at(0x88, {0x0f, 0x11, 0x0f})); /* movups %xmm1,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Write(0x88, 8, 0x4746454443424140ull), Write(0x90, 8, 0x4f4e4d4c4b4a4948ull)}));
}

TEST_F(VectorMoves, MovapsStore)
{
	std::memcpy(context.xmm(1), bytes_from(0x40).data(), 16);
	ASSERT_TRUE(run_at(0x80, {0x0f, 0x29, 0x0f})); /* movaps %xmm1,(%rdi) */
	EXPECT_EQ(registers.get(0x80), 0x4746454443424140ull);
	EXPECT_EQ(registers.get(0x88), 0x4f4e4d4c4b4a4948ull);
}

TEST_F(VectorMoves, MovntdqStore)
{
	ASSERT_TRUE(run_at(0x80, {0x66, 0x0f, 0xe7, 0x0f})); /* movntdq %xmm1,(%rdi) */
	EXPECT_EQ(registers.get(0x80), 0xa1a1a1a1a1a1a1a1ull);
	EXPECT_EQ(registers.logged, 2u);
}

TEST_F(VectorMoves, VmovdquYmmLoadFillsBothHalves)
{
	ASSERT_TRUE(run_at(0x80, {0xc5, 0xfe, 0x6f, 0x17})); /* vmovdqu (%rdi),%ymm2 */
	EXPECT_EQ(accesses(), (std::vector{Read(0x80, 8, kLow), Read(0x88, 8, kHigh), Read(0x90, 8, kThird),
					   Read(0x98, 8, kFourth)}));
	EXPECT_EQ(xmm(2), bytes_from(0));
	EXPECT_EQ(ymm_high(2), bytes_from(16));
}

TEST_F(VectorMoves, VmovdqaYmmLoad)
{
	ASSERT_TRUE(run_at(0x80, {0xc5, 0xfd, 0x6f, 0x17})); /* vmovdqa (%rdi),%ymm2 */
	EXPECT_EQ(ymm_high(2), bytes_from(16));
}

TEST_F(VectorMoves, VmovdquYmmStoreWritesBothHalves)
{
	ASSERT_TRUE(run_at(0x80, {0xc5, 0xfe, 0x7f, 0x17})); /* vmovdqu %ymm2,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Write(0x80, 8, 0xa2a2a2a2a2a2a2a2ull), Write(0x88, 8, 0xa2a2a2a2a2a2a2a2ull),
					   Write(0x90, 8, 0xb2b2b2b2b2b2b2b2ull), Write(0x98, 8, 0xb2b2b2b2b2b2b2b2ull)}));
}

TEST_F(VectorMoves, VexXmmLoadZeroesTheUpperHalf)
{
	ASSERT_TRUE(run_at(0x80, {0xc5, 0xfa, 0x6f, 0x17})); /* vmovdqu (%rdi),%xmm2 */
	EXPECT_EQ(xmm(2), bytes_from(0));
	EXPECT_EQ(ymm_high(2), filled(0));
}

TEST_F(VectorMoves, VmovupsXmmStore)
{
	ASSERT_TRUE(run_at(0x80, {0xc5, 0xf8, 0x11, 0x17})); /* vmovups %xmm2,(%rdi) */
	EXPECT_EQ(registers.logged, 2u);
	EXPECT_EQ(registers.get(0x88), 0xa2a2a2a2a2a2a2a2ull);
}

TEST_F(VectorMoves, MovdLoadZeroesTheRestOfXmm)
{
	ASSERT_TRUE(run_at(0x80, {0x66, 0x0f, 0x6e, 0x07})); /* movd (%rdi),%xmm0 */
	EXPECT_EQ(accesses(), (std::vector{Read(0x80, 4, 0x03020100)}));
	std::array<uint8_t, 16> expected{0, 1, 2, 3};
	EXPECT_EQ(xmm(0), expected);
	EXPECT_EQ(ymm_high(0), filled(0xb0));
}

TEST_F(VectorMoves, MovqLoad)
{
	ASSERT_TRUE(run_at(0x80, {0xf3, 0x0f, 0x7e, 0x07})); /* movq (%rdi),%xmm0 */
	EXPECT_EQ(accesses(), (std::vector{Read(0x80, 8, kLow)}));
	std::array<uint8_t, 16> expected{0, 1, 2, 3, 4, 5, 6, 7};
	EXPECT_EQ(xmm(0), expected);
}

TEST_F(VectorMoves, VmovdLoadZeroesUpToYmm)
{
	ASSERT_TRUE(run_at(0x80, {0xc5, 0xf9, 0x6e, 0x07})); /* vmovd (%rdi),%xmm0 */
	EXPECT_EQ(ymm_high(0), filled(0));
}

TEST_F(VectorMoves, MovdStore)
{
	ASSERT_TRUE(run_at(0x80, {0x66, 0x0f, 0x7e, 0x07})); /* movd %xmm0,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Write(0x80, 4, 0xa0a0a0a0)}));
}

TEST_F(VectorMoves, MovqStore)
{
	ASSERT_TRUE(run_at(0x80, {0x66, 0x0f, 0xd6, 0x07})); /* movq %xmm0,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Write(0x80, 8, 0xa0a0a0a0a0a0a0a0ull)}));
}

TEST_F(VectorMoves, YmmStateInInitialStateBecomesLiveAndZero)
{
	context.set_xstate_bv(0x3); /* AVX state initial: the frame's bytes are stale */
	ASSERT_TRUE(run_at(0x80, {0xc5, 0xfe, 0x6f, 0x17})); /* vmovdqu (%rdi),%ymm2 */
	EXPECT_EQ(context.xstate_bv(), 0x7u);
	EXPECT_EQ(ymm_high(2), bytes_from(16));
	EXPECT_EQ(ymm_high(5), filled(0));
}

TEST_F(VectorMoves, YmmStoreFromInitialStateWritesZeroUpperHalf)
{
	context.set_xstate_bv(0x3);
	ASSERT_TRUE(run_at(0x80, {0xc5, 0xfe, 0x7f, 0x17})); /* vmovdqu %ymm2,(%rdi) */
	EXPECT_EQ(registers.get(0x90), 0u);
	EXPECT_EQ(registers.get(0x98), 0u);
}

TEST_F(VectorMoves, SseStateInInitialStateBecomesLiveAndZero)
{
	context.set_xstate_bv(0x1);
	ASSERT_TRUE(run_at(0x80, {0xf3, 0x0f, 0x6f, 0x0f})); /* movdqu (%rdi),%xmm1 */
	EXPECT_EQ(context.xstate_bv() & 0x2, 0x2u);
	EXPECT_EQ(xmm(1), bytes_from(0));
	EXPECT_EQ(xmm(3), filled(0));
}

TEST_F(VectorMoves, VexLoadIntoAFrameWithoutAvxStateIsRefusedBeforeTheRead)
{
	uint32_t no_magic = 0;
	std::memcpy(context.area + kSoftwareBytesOffset, &no_magic, 4); /* a plain FXSAVE frame */
	auto result = run_at(0x80, {0xc5, 0xfe, 0x6f, 0x17});             /* vmovdqu (%rdi),%ymm2 */
	ASSERT_FALSE(result);
	EXPECT_EQ(result.error(), EOPNOTSUPP);
	EXPECT_EQ(registers.logged, 0u);
	EXPECT_EQ(xmm(2), filled(0xa2));
	EXPECT_TRUE(rip_unchanged());
}

/* On AVX-512 machines VEX writes also zero bits 511:256 (ZMM_Hi256). */
class VectorMovesWithZmmState : public VectorMoves
{
protected:
	void SetUp() override
	{
		VectorMoves::SetUp();
		zmm_offset = xsave_component_offset(kComponentZmmHigh);
		if (zmm_offset == 0 || zmm_offset + 16 * 32 > sizeof(context.area))
			GTEST_SKIP() << "this CPU has no AVX-512 state";
		XstateSoftwareBytes sw;
		std::memcpy(&sw, context.area + kSoftwareBytesOffset, sizeof(sw));
		sw.xfeatures |= 0xe0; /* opmask, ZMM_Hi256, Hi16_ZMM */
		sw.xstate_size = zmm_offset + 16 * 32;
		std::memcpy(context.area + kSoftwareBytesOffset, &sw, sizeof(sw));
		context.set_xstate_bv(0x7 | (1u << kComponentZmmHigh));
		std::memset(context.area + zmm_offset, 0xff, 16 * 32);
	}
	bool zmm_high_is(unsigned r, uint8_t value)
	{
		for (unsigned i = 0; i < 32; i++)
			if (context.area[zmm_offset + 32 * r + i] != value)
				return false;
		return true;
	}

	uint32_t zmm_offset = 0;
};

TEST_F(VectorMovesWithZmmState, VexLoadZeroesTheZmmUpperBits)
{
	ASSERT_TRUE(run_at(0x80, {0xc5, 0xfa, 0x6f, 0x17})); /* vmovdqu (%rdi),%xmm2 */
	EXPECT_TRUE(zmm_high_is(2, 0));
	EXPECT_TRUE(zmm_high_is(1, 0xff));
}

TEST_F(VectorMovesWithZmmState, SseLoadKeepsTheZmmUpperBits)
{
	ASSERT_TRUE(run_at(0x80, {0xf3, 0x0f, 0x6f, 0x17})); /* movdqu (%rdi),%xmm2 */
	EXPECT_TRUE(zmm_high_is(2, 0xff));
}

TEST_F(VectorMoves, MisalignedMovdqaIsRefused)
{
	auto result = run_at(0x88 - 8 + 4, {0x66, 0x0f, 0x6f, 0x0f}); /* movdqa (%rdi),%xmm1 at 0x84 */
	ASSERT_FALSE(result);
	EXPECT_EQ(result.error(), EINVAL);
	EXPECT_EQ(registers.logged, 0u);
	EXPECT_TRUE(rip_unchanged());
	EXPECT_NE(std::string(diagnostic.text()).find("movdqa"), std::string::npos);
}

} /* namespace */
} /* namespace softvfio::trap::test */
