/* SPDX-License-Identifier: MIT */
/* mov/movzx/movsx/movsxd loads, stores from registers and immediates,
 * movnti and xchg, on synthetic contexts with exact instruction bytes. */
#include <asm/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "trap/synthetic_context.h"

namespace softvfio::trap::test {
namespace {

constexpr uint64_t kPattern = 0x1122334455667788ull;
constexpr uint64_t kAllOnes = ~0ull;

class Loads : public EmulationTest
{
protected:
	void SetUp() override
	{
		registers.set(0x10, kPattern);
		reg(REG_RAX) = static_cast<greg_t>(kAllOnes);
		reg(REG_RBX) = static_cast<greg_t>(kAllOnes);
	}
};

TEST_F(Loads, ByteIntoAlMergesIntoRax)
{
	ASSERT_TRUE(run_at(0x10, {0x8a, 0x07})); /* mov (%rdi),%al */
	EXPECT_EQ(ureg(REG_RAX), 0xffffffffffffff88ull);
	EXPECT_EQ(accesses(), (std::vector{Read(0x10, 1, 0x88)}));
	EXPECT_TRUE(rip_advanced());
}

TEST_F(Loads, ByteIntoAhFillsBits8To15)
{
	ASSERT_TRUE(run_at(0x10, {0x8a, 0x27})); /* mov (%rdi),%ah */
	EXPECT_EQ(ureg(REG_RAX), 0xffffffffffff88ffull);
}

TEST_F(Loads, ByteIntoBhFillsBits8To15OfRbx)
{
	ASSERT_TRUE(run_at(0x10, {0x8a, 0x3f})); /* mov (%rdi),%bh */
	EXPECT_EQ(ureg(REG_RBX), 0xffffffffffff88ffull);
	EXPECT_EQ(ureg(REG_RAX), kAllOnes);
}

TEST_F(Loads, ByteIntoR10bMergesIntoR10)
{
	reg(REG_R10) = static_cast<greg_t>(kAllOnes);
	ASSERT_TRUE(run_at(0x10, {0x44, 0x8a, 0x17})); /* mov (%rdi),%r10b */
	EXPECT_EQ(ureg(REG_R10), 0xffffffffffffff88ull);
}

TEST_F(Loads, WordIntoAxMerges)
{
	ASSERT_TRUE(run_at(0x10, {0x66, 0x8b, 0x07})); /* mov (%rdi),%ax */
	EXPECT_EQ(ureg(REG_RAX), 0xffffffffffff7788ull);
	EXPECT_EQ(accesses(), (std::vector{Read(0x10, 2, 0x7788)}));
}

TEST_F(Loads, DwordIntoEaxZeroExtends)
{
	ASSERT_TRUE(run_at(0x10, {0x8b, 0x07})); /* mov (%rdi),%eax */
	EXPECT_EQ(ureg(REG_RAX), 0x55667788ull);
	EXPECT_EQ(accesses(), (std::vector{Read(0x10, 4, 0x55667788)}));
}

TEST_F(Loads, DwordIntoR9dZeroExtends)
{
	reg(REG_R9) = static_cast<greg_t>(kAllOnes);
	ASSERT_TRUE(run_at(0x10, {0x44, 0x8b, 0x0f})); /* mov (%rdi),%r9d */
	EXPECT_EQ(ureg(REG_R9), 0x55667788ull);
}

TEST_F(Loads, QwordIntoRax)
{
	ASSERT_TRUE(run_at(0x10, {0x48, 0x8b, 0x07})); /* mov (%rdi),%rax */
	EXPECT_EQ(ureg(REG_RAX), kPattern);
	EXPECT_EQ(accesses(), (std::vector{Read(0x10, 8, kPattern)}));
}

TEST_F(Loads, MovzxByteToDword)
{
	ASSERT_TRUE(run_at(0x10, {0x0f, 0xb6, 0x07})); /* movzbl (%rdi),%eax */
	EXPECT_EQ(ureg(REG_RAX), 0x88ull);
}

TEST_F(Loads, MovzxByteToWordMerges)
{
	ASSERT_TRUE(run_at(0x10, {0x66, 0x0f, 0xb6, 0x07})); /* movzbw (%rdi),%ax */
	EXPECT_EQ(ureg(REG_RAX), 0xffffffffffff0088ull);
}

TEST_F(Loads, MovzxWordToDword)
{
	ASSERT_TRUE(run_at(0x10, {0x0f, 0xb7, 0x07})); /* movzwl (%rdi),%eax */
	EXPECT_EQ(ureg(REG_RAX), 0x7788ull);
	EXPECT_EQ(accesses(), (std::vector{Read(0x10, 2, 0x7788)}));
}

TEST_F(Loads, MovzxByteToQword)
{
	ASSERT_TRUE(run_at(0x10, {0x48, 0x0f, 0xb6, 0x07})); /* movzbq (%rdi),%rax */
	EXPECT_EQ(ureg(REG_RAX), 0x88ull);
}

TEST_F(Loads, MovsxByteToDwordZeroesUpperHalf)
{
	ASSERT_TRUE(run_at(0x10, {0x0f, 0xbe, 0x07})); /* movsbl (%rdi),%eax */
	EXPECT_EQ(ureg(REG_RAX), 0xffffff88ull);
}

TEST_F(Loads, MovsxByteToWordMerges)
{
	reg(REG_RAX) = 0;
	ASSERT_TRUE(run_at(0x10, {0x66, 0x0f, 0xbe, 0x07})); /* movsbw (%rdi),%ax */
	EXPECT_EQ(ureg(REG_RAX), 0xff88ull);
}

TEST_F(Loads, MovsxWordToQword)
{
	registers.set(0x10, 0x8001, 2);
	ASSERT_TRUE(run_at(0x10, {0x48, 0x0f, 0xbf, 0x07})); /* movswq (%rdi),%rax */
	EXPECT_EQ(ureg(REG_RAX), 0xffffffffffff8001ull);
}

TEST_F(Loads, MovsxdDwordToQword)
{
	registers.set(0x10, 0x80000001, 4);
	ASSERT_TRUE(run_at(0x10, {0x48, 0x63, 0x07})); /* movslq (%rdi),%rax */
	EXPECT_EQ(ureg(REG_RAX), 0xffffffff80000001ull);
}

TEST_F(Loads, BaseIndexScaleDisplacement)
{
	reg(REG_RCX) = 3;
	reg(REG_RDI) = static_cast<greg_t>(kRange);
	/* mov 0x8(%rdi,%rcx,4),%edx: kRange + 0x14 */
	ASSERT_TRUE(run({0x8b, 0x54, 0x8f, 0x08}, kRange + 0x14));
	EXPECT_EQ(accesses(), (std::vector{Read(0x14, 4, 0x11223344)}));
	EXPECT_EQ(ureg(REG_RDX), 0x11223344ull);
}

TEST_F(Loads, AbsoluteMoffs)
{
	/* movabs 0x10000010,%eax */
	ASSERT_TRUE(run({0xa1, 0x10, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00}, kRange + 0x10));
	EXPECT_EQ(ureg(REG_RAX), 0x55667788ull);
	EXPECT_TRUE(rip_advanced());
}

TEST_F(Loads, RipRelativeFromTheNextInstruction)
{
	/* mov 0x100(%rip),%eax: 6 bytes, so code + 6 + 0x100 */
	uintptr_t target = reinterpret_cast<uintptr_t>(code) + 6 + 0x100;
	map.move_to(target - 0x10);
	ASSERT_TRUE(run({0x8b, 0x05, 0x00, 0x01, 0x00, 0x00}, target));
	EXPECT_EQ(ureg(REG_RAX), 0x55667788ull);
}

TEST_F(Loads, FsRelativeAddsTheThreadsFsBase)
{
	unsigned long fs_base = 0;
	ASSERT_EQ(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_base), 0);
	map.move_to(fs_base);
	/* mov %fs:0x10,%rax */
	ASSERT_TRUE(run({0x64, 0x48, 0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00}, fs_base + 0x10));
	EXPECT_EQ(ureg(REG_RAX), kPattern);
	EXPECT_EQ(accesses(), (std::vector{Read(0x10, 8, kPattern)}));
}

TEST_F(Loads, LoadsLeaveFlagsAlone)
{
	reg(REG_EFL) = 0x8d5 | 0x202;
	ASSERT_TRUE(run_at(0x10, {0x8b, 0x07}));
	EXPECT_EQ(ureg(REG_EFL), 0x8d5ull | 0x202);
}

class Stores : public EmulationTest
{
protected:
	void SetUp() override { reg(REG_RAX) = static_cast<greg_t>(kPattern); }
};

TEST_F(Stores, FromAl)
{
	ASSERT_TRUE(run_at(0x20, {0x88, 0x07})); /* mov %al,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Write(0x20, 1, 0x88)}));
	EXPECT_TRUE(rip_advanced());
}

TEST_F(Stores, FromAh)
{
	ASSERT_TRUE(run_at(0x20, {0x88, 0x27})); /* mov %ah,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Write(0x20, 1, 0x77)}));
}

TEST_F(Stores, FromAx)
{
	ASSERT_TRUE(run_at(0x20, {0x66, 0x89, 0x07})); /* mov %ax,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Write(0x20, 2, 0x7788)}));
}

TEST_F(Stores, FromEax)
{
	ASSERT_TRUE(run_at(0x20, {0x89, 0x07})); /* mov %eax,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Write(0x20, 4, 0x55667788)}));
}

TEST_F(Stores, FromRax)
{
	ASSERT_TRUE(run_at(0x20, {0x48, 0x89, 0x07})); /* mov %rax,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Write(0x20, 8, kPattern)}));
	EXPECT_EQ(ureg(REG_RAX), kPattern);
}

TEST_F(Stores, ImmediateByte)
{
	ASSERT_TRUE(run_at(0x20, {0xc6, 0x07, 0x5a})); /* movb $0x5a,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Write(0x20, 1, 0x5a)}));
	EXPECT_TRUE(rip_advanced());
}

TEST_F(Stores, ImmediateWord)
{
	ASSERT_TRUE(run_at(0x20, {0x66, 0xc7, 0x07, 0x34, 0x12})); /* movw $0x1234,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Write(0x20, 2, 0x1234)}));
}

TEST_F(Stores, ImmediateDword)
{
	ASSERT_TRUE(run_at(0x20, {0xc7, 0x07, 0xef, 0xcd, 0xab, 0x89})); /* movl $0x89abcdef,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Write(0x20, 4, 0x89abcdef)}));
}

TEST_F(Stores, ImmediateQwordIsSignExtended)
{
	ASSERT_TRUE(run_at(0x20, {0x48, 0xc7, 0x07, 0xfe, 0xff, 0xff, 0xff})); /* movq $-2,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Write(0x20, 8, 0xfffffffffffffffeull)}));
}

TEST_F(Stores, MovntiDword)
{
	ASSERT_TRUE(run_at(0x20, {0x0f, 0xc3, 0x07})); /* movnti %eax,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Write(0x20, 4, 0x55667788)}));
}

TEST_F(Stores, MovntiQword)
{
	ASSERT_TRUE(run_at(0x20, {0x48, 0x0f, 0xc3, 0x07})); /* movnti %rax,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Write(0x20, 8, kPattern)}));
}

TEST_F(Stores, XchgReadsThenWritesAndLoadsTheOldValue)
{
	registers.set(0x20, 0xaabbccdd, 4);
	reg(REG_RAX) = static_cast<greg_t>(kAllOnes);
	reg(REG_EFL) = 0x202;
	ASSERT_TRUE(run_at(0x20, {0x87, 0x07})); /* xchg %eax,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x20, 4, 0xaabbccdd), Write(0x20, 4, 0xffffffff)}));
	EXPECT_EQ(ureg(REG_RAX), 0xaabbccddull); /* zero-extended */
	EXPECT_EQ(ureg(REG_EFL), 0x202ull);      /* xchg sets no flags */
}

TEST_F(Stores, XchgByteMergesIntoRcx)
{
	registers.set(0x20, 0x42, 1);
	reg(REG_RCX) = 0x1234;
	ASSERT_TRUE(run_at(0x20, {0x86, 0x0f})); /* xchg %cl,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x20, 1, 0x42), Write(0x20, 1, 0x34)}));
	EXPECT_EQ(ureg(REG_RCX), 0x1242ull);
}

} /* namespace */
} /* namespace softvfio::trap::test */
