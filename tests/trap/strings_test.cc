/* SPDX-License-Identifier: MIT */
/* rep movs/stos (memcpy and memset into or out of a register range) and
 * lods: one access per element, in DF's direction, RSI/RDI/RCX as the CPU
 * leaves them. */
#include <asm/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "trap/cpu_state.h"
#include "trap/synthetic_context.h"

namespace softvfio::trap::test {
namespace {

class Strings : public EmulationTest
{
protected:
	void SetUp() override
	{
		for (unsigned i = 0; i < 64; i++)
			registers.bytes[0x100 + i] = static_cast<uint8_t>(0x40 + i);
		std::memset(plain, 0xee, sizeof(plain));
		reg(REG_EFL) = 0x202;
	}

	void registers_for(uint64_t source, uint64_t destination, uint64_t count)
	{
		reg(REG_RSI) = static_cast<greg_t>(source);
		reg(REG_RDI) = static_cast<greg_t>(destination);
		reg(REG_RCX) = static_cast<greg_t>(count);
	}
	uint64_t plain_address(size_t offset = 0) { return reinterpret_cast<uint64_t>(plain + offset); }

	uint8_t plain[64];
};

TEST_F(Strings, RepMovsbOutOfRegisters)
{
	registers_for(kRange + 0x100, plain_address(), 5);
	ASSERT_TRUE(run({0xf3, 0xa4}, kRange + 0x100)); /* rep movsb */
	EXPECT_EQ(accesses(), (std::vector{Read(0x100, 1, 0x40), Read(0x101, 1, 0x41), Read(0x102, 1, 0x42),
					   Read(0x103, 1, 0x43), Read(0x104, 1, 0x44)}));
	EXPECT_EQ(plain[0], 0x40);
	EXPECT_EQ(plain[4], 0x44);
	EXPECT_EQ(plain[5], 0xee);
	EXPECT_EQ(ureg(REG_RSI), kRange + 0x105);
	EXPECT_EQ(ureg(REG_RDI), plain_address(5));
	EXPECT_EQ(ureg(REG_RCX), 0u);
	EXPECT_TRUE(rip_advanced());
}

TEST_F(Strings, RepMovsqIntoRegisters)
{
	for (unsigned i = 0; i < 24; i++)
		plain[i] = static_cast<uint8_t>(i);
	registers_for(plain_address(), kRange + 0x200, 3);
	ASSERT_TRUE(run({0xf3, 0x48, 0xa5}, kRange + 0x200)); /* rep movsq */
	EXPECT_EQ(accesses(), (std::vector{Write(0x200, 8, 0x0706050403020100ull), Write(0x208, 8, 0x0f0e0d0c0b0a0908ull),
					   Write(0x210, 8, 0x1716151413121110ull)}));
	EXPECT_EQ(ureg(REG_RSI), plain_address(24));
	EXPECT_EQ(ureg(REG_RDI), kRange + 0x218);
	EXPECT_EQ(ureg(REG_RCX), 0u);
}

TEST_F(Strings, RepMovswRegistersToRegisters)
{
	registers_for(kRange + 0x100, kRange + 0x300, 2);
	ASSERT_TRUE(run({0x66, 0xf3, 0xa5}, kRange + 0x100)); /* rep movsw */
	EXPECT_EQ(accesses(), (std::vector{Read(0x100, 2, 0x4140), Write(0x300, 2, 0x4140), Read(0x102, 2, 0x4342),
					   Write(0x302, 2, 0x4342)}));
}

TEST_F(Strings, RepMovslBackwardsWithDirectionFlag)
{
	reg(REG_EFL) = static_cast<greg_t>(0x202 | kFlagDirection);
	registers_for(kRange + 0x108, plain_address(8), 3);
	ASSERT_TRUE(run({0xf3, 0xa5}, kRange + 0x108)); /* rep movsl, DF=1 */
	EXPECT_EQ(accesses(), (std::vector{Read(0x108, 4, 0x4b4a4948), Read(0x104, 4, 0x47464544), Read(0x100, 4, 0x43424140)}));
	EXPECT_EQ(plain[0], 0x40);
	EXPECT_EQ(plain[11], 0x4b);
	EXPECT_EQ(ureg(REG_RSI), kRange + 0xfc);
	EXPECT_EQ(ureg(REG_RDI), plain_address(8) - 12);
	EXPECT_EQ(ureg(REG_RCX), 0u);
}

TEST_F(Strings, RepStosbMemset)
{
	reg(REG_RAX) = 0x1234;
	registers_for(0, kRange + 0x400, 3);
	ASSERT_TRUE(run({0xf3, 0xaa}, kRange + 0x400)); /* rep stosb */
	EXPECT_EQ(accesses(), (std::vector{Write(0x400, 1, 0x34), Write(0x401, 1, 0x34), Write(0x402, 1, 0x34)}));
	EXPECT_EQ(ureg(REG_RDI), kRange + 0x403);
	EXPECT_EQ(ureg(REG_RSI), 0u);
}

TEST_F(Strings, RepStoswMemset)
{
	reg(REG_RAX) = 0x1234;
	registers_for(0, kRange + 0x400, 2);
	ASSERT_TRUE(run({0x66, 0xf3, 0xab}, kRange + 0x400)); /* rep stosw */
	EXPECT_EQ(accesses(), (std::vector{Write(0x400, 2, 0x1234), Write(0x402, 2, 0x1234)}));
}

TEST_F(Strings, RepStoslMemset)
{
	reg(REG_RAX) = static_cast<greg_t>(0xffffffff89abcdefull);
	registers_for(0, kRange + 0x400, 2);
	ASSERT_TRUE(run({0xf3, 0xab}, kRange + 0x400)); /* rep stosl */
	EXPECT_EQ(accesses(), (std::vector{Write(0x400, 4, 0x89abcdef), Write(0x404, 4, 0x89abcdef)}));
}

TEST_F(Strings, RepStosqBackwards)
{
	reg(REG_EFL) = static_cast<greg_t>(0x202 | kFlagDirection);
	reg(REG_RAX) = 7;
	registers_for(0, kRange + 0x408, 2);
	ASSERT_TRUE(run({0xf3, 0x48, 0xab}, kRange + 0x408)); /* rep stosq, DF=1 */
	EXPECT_EQ(accesses(), (std::vector{Write(0x408, 8, 7), Write(0x400, 8, 7)}));
	EXPECT_EQ(ureg(REG_RDI), kRange + 0x3f8);
	EXPECT_EQ(ureg(REG_RCX), 0u);
}

TEST_F(Strings, MovsbWithoutRepMovesOneAndKeepsRcx)
{
	registers_for(kRange + 0x100, plain_address(), 9);
	ASSERT_TRUE(run({0xa4}, kRange + 0x100)); /* movsb */
	EXPECT_EQ(registers.logged, 1u);
	EXPECT_EQ(ureg(REG_RCX), 9u);
	EXPECT_EQ(ureg(REG_RSI), kRange + 0x101);
}

TEST_F(Strings, LodslLoadsEaxAndAdvancesRsi)
{
	reg(REG_RAX) = -1;
	registers_for(kRange + 0x100, 0, 0);
	ASSERT_TRUE(run({0xad}, kRange + 0x100)); /* lodsl */
	EXPECT_EQ(ureg(REG_RAX), 0x43424140u);
	EXPECT_EQ(ureg(REG_RSI), kRange + 0x104);
}

TEST_F(Strings, RepMovsqFromFsSegment)
{
	unsigned long fs_base = 0;
	ASSERT_EQ(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_base), 0);
	map.move_to(fs_base);
	registers_for(0x100, plain_address(), 1);
	ASSERT_TRUE(run({0x64, 0xf3, 0x48, 0xa5}, fs_base + 0x100)); /* rep movsq %fs:(%rsi),%es:(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x100, 8, 0x4746454443424140ull)}));
	EXPECT_EQ(ureg(REG_RSI), 0x108u);
}

TEST_F(Strings, ZeroCountDoesNothing)
{
	registers_for(kRange + 0x100, plain_address(), 0);
	ASSERT_TRUE(run({0xf3, 0xa4}, kRange + 0x100));
	EXPECT_EQ(registers.logged, 0u);
	EXPECT_TRUE(rip_advanced());
}

TEST_F(Strings, NeitherSideInARegisterRangeIsNotOurs)
{
	uint8_t other[8] = {};
	registers_for(plain_address(), reinterpret_cast<uint64_t>(other), 8);
	auto result = run({0xf3, 0xa4}, plain_address()); /* rep movsb */
	ASSERT_FALSE(result);
	EXPECT_EQ(result.error(), EFAULT);
	EXPECT_EQ(ureg(REG_RCX), 8u);
	EXPECT_EQ(other[0], 0);
	EXPECT_TRUE(rip_unchanged());
}

TEST_F(Strings, StraddlingElementStopsWithRegistersAtIt)
{
	reg(REG_RAX) = 1;
	registers_for(0, kRange + 0xffa, 2);
	auto result = run({0xf3, 0xab}, kRange + 0xffa); /* rep stosl over the range's end */
	ASSERT_FALSE(result);
	EXPECT_EQ(result.error(), EFAULT);
	EXPECT_EQ(accesses(), (std::vector{Write(0xffa, 4, 1)}));
	EXPECT_EQ(ureg(REG_RDI), kRange + 0xffe);
	EXPECT_EQ(ureg(REG_RCX), 1u);
	EXPECT_TRUE(rip_unchanged());
}

} /* namespace */
} /* namespace softvfio::trap::test */
