/* SPDX-License-Identifier: MIT */
/* Locked (and plain) read-modify-write on a register range: the device sees
 * the read, then the write; RFLAGS get exactly what the CPU would set. */
#include "trap/cpu_state.h"
#include "trap/synthetic_context.h"

namespace softvfio::trap::test {
namespace {

constexpr uint64_t CF = kFlagCarry, PF = kFlagParity, AF = kFlagAdjust, ZF = kFlagZero, SF = kFlagSign,
		   OF = kFlagOverflow;
/* The flags register's always-one bit and IF, which must survive. */
constexpr uint64_t kBaseFlags = 0x202;

class ReadModifyWrite : public EmulationTest
{
protected:
	void SetUp() override { reg(REG_EFL) = static_cast<greg_t>(kBaseFlags); }
	uint64_t flags() { return ureg(REG_EFL); }
	/* Logic instructions leave AF undefined. */
	uint64_t defined_logic_flags() { return flags() & ~AF; }
};

TEST_F(ReadModifyWrite, LockAddWrapsAndSetsCarryZeroAdjustParity)
{
	registers.set(0x40, 0xffffffff, 4);
	ASSERT_TRUE(run_at(0x40, {0xf0, 0x83, 0x07, 0x01})); /* lock addl $1,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 4, 0xffffffff), Write(0x40, 4, 0)}));
	EXPECT_EQ(flags(), kBaseFlags | CF | ZF | AF | PF);
	EXPECT_TRUE(rip_advanced());
}

TEST_F(ReadModifyWrite, LockSubBorrows)
{
	registers.set(0x40, 0, 4);
	ASSERT_TRUE(run_at(0x40, {0xf0, 0x83, 0x2f, 0x01})); /* lock subl $1,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 4, 0), Write(0x40, 4, 0xffffffff)}));
	EXPECT_EQ(flags(), kBaseFlags | CF | SF | AF | PF);
}

TEST_F(ReadModifyWrite, LockAndClearsCarryAndOverflow)
{
	registers.set(0x40, 0x1234, 4);
	reg(REG_EFL) = static_cast<greg_t>(kBaseFlags | CF | OF);
	ASSERT_TRUE(run_at(0x40, {0xf0, 0x81, 0x27, 0xf0, 0x00, 0x00, 0x00})); /* lock andl $0xf0,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 4, 0x1234), Write(0x40, 4, 0x30)}));
	EXPECT_EQ(defined_logic_flags(), kBaseFlags | PF);
}

TEST_F(ReadModifyWrite, LockOrFromRegisterSetsSign)
{
	registers.set(0x40, 0x0f);
	reg(REG_RAX) = static_cast<greg_t>(0x8000000000000000ull);
	ASSERT_TRUE(run_at(0x40, {0xf0, 0x48, 0x09, 0x07})); /* lock or %rax,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 8, 0x0f), Write(0x40, 8, 0x800000000000000full)}));
	EXPECT_EQ(defined_logic_flags(), kBaseFlags | SF | PF);
}

TEST_F(ReadModifyWrite, LockXorWord)
{
	registers.set(0x40, 0x12ff, 2);
	ASSERT_TRUE(run_at(0x40, {0x66, 0xf0, 0x81, 0x37, 0xff, 0x00})); /* lock xorw $0xff,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 2, 0x12ff), Write(0x40, 2, 0x1200)}));
	EXPECT_EQ(defined_logic_flags(), kBaseFlags | PF);
}

TEST_F(ReadModifyWrite, LockOrWithSignExtendedImm8)
{
	registers.set(0x40, 0x10, 4);
	ASSERT_TRUE(run_at(0x40, {0xf0, 0x83, 0x0f, 0xff})); /* lock orl $-1,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 4, 0x10), Write(0x40, 4, 0xffffffff)}));
	EXPECT_EQ(defined_logic_flags(), kBaseFlags | SF | PF);
}

TEST_F(ReadModifyWrite, LockIncOverflowsAndKeepsCarry)
{
	registers.set(0x40, 0x7fffffff, 4);
	reg(REG_EFL) = static_cast<greg_t>(kBaseFlags | CF);
	ASSERT_TRUE(run_at(0x40, {0xf0, 0xff, 0x07})); /* lock incl (%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 4, 0x7fffffff), Write(0x40, 4, 0x80000000)}));
	EXPECT_EQ(flags(), kBaseFlags | CF | OF | SF | AF | PF);
}

TEST_F(ReadModifyWrite, LockDecReachesZeroAndKeepsCarryClear)
{
	registers.set(0x40, 1, 1);
	ASSERT_TRUE(run_at(0x40, {0xf0, 0xfe, 0x0f})); /* lock decb (%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 1, 1), Write(0x40, 1, 0)}));
	EXPECT_EQ(flags(), kBaseFlags | ZF | PF);
}

TEST_F(ReadModifyWrite, LockNegSetsCarryForNonZero)
{
	registers.set(0x40, 1, 4);
	ASSERT_TRUE(run_at(0x40, {0xf0, 0xf7, 0x1f})); /* lock negl (%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 4, 1), Write(0x40, 4, 0xffffffff)}));
	EXPECT_EQ(flags(), kBaseFlags | CF | SF | AF | PF);
}

TEST_F(ReadModifyWrite, LockNotLeavesFlagsAlone)
{
	registers.set(0x40, 0x0f0f0f0f, 4);
	reg(REG_EFL) = static_cast<greg_t>(kBaseFlags | ZF | CF);
	ASSERT_TRUE(run_at(0x40, {0xf0, 0xf7, 0x17})); /* lock notl (%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 4, 0x0f0f0f0f), Write(0x40, 4, 0xf0f0f0f0)}));
	EXPECT_EQ(flags(), kBaseFlags | ZF | CF);
}

TEST_F(ReadModifyWrite, LockXaddReturnsTheOldValue)
{
	registers.set(0x40, 10, 4);
	reg(REG_RCX) = static_cast<greg_t>(0xffffffff00000005ull);
	ASSERT_TRUE(run_at(0x40, {0xf0, 0x0f, 0xc1, 0x0f})); /* lock xadd %ecx,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 4, 10), Write(0x40, 4, 15)}));
	EXPECT_EQ(ureg(REG_RCX), 10ull);
	EXPECT_EQ(flags(), kBaseFlags | PF);
}

TEST_F(ReadModifyWrite, LockCmpxchgSucceeds)
{
	registers.set(0x40, 7, 4);
	reg(REG_RAX) = 7;
	reg(REG_RCX) = 9;
	ASSERT_TRUE(run_at(0x40, {0xf0, 0x0f, 0xb1, 0x0f})); /* lock cmpxchg %ecx,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 4, 7), Write(0x40, 4, 9)}));
	EXPECT_EQ(ureg(REG_RAX), 7ull);
	EXPECT_EQ(flags(), kBaseFlags | ZF | PF);
}

TEST_F(ReadModifyWrite, LockCmpxchgFailsLoadsAccumulatorAndWritesBack)
{
	registers.set(0x40, 8, 4);
	reg(REG_RAX) = static_cast<greg_t>(0xffffffff00000007ull);
	reg(REG_RCX) = 9;
	ASSERT_TRUE(run_at(0x40, {0xf0, 0x0f, 0xb1, 0x0f}));
	/* A locked bus cycle always writes: the old value when they differ. */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 4, 8), Write(0x40, 4, 8)}));
	EXPECT_EQ(ureg(REG_RAX), 8ull);
	EXPECT_EQ(flags(), kBaseFlags | CF | SF | AF | PF); /* 7 - 8 */
}

TEST_F(ReadModifyWrite, LockCmpxchg8bSucceeds)
{
	registers.set(0x40, 0x0000000200000001ull);
	reg(REG_RAX) = 1;
	reg(REG_RDX) = 2;
	reg(REG_RBX) = 3;
	reg(REG_RCX) = 4;
	reg(REG_EFL) = static_cast<greg_t>(kBaseFlags | CF);
	ASSERT_TRUE(run_at(0x40, {0xf0, 0x0f, 0xc7, 0x0f})); /* lock cmpxchg8b (%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 8, 0x0000000200000001ull), Write(0x40, 8, 0x0000000400000003ull)}));
	EXPECT_EQ(flags(), kBaseFlags | CF | ZF); /* only ZF changes */
}

TEST_F(ReadModifyWrite, LockCmpxchg8bFailsLoadsEdxEax)
{
	registers.set(0x40, 0x0000000600000005ull);
	reg(REG_RAX) = static_cast<greg_t>(0xffffffff00000001ull);
	reg(REG_RDX) = 2;
	reg(REG_EFL) = static_cast<greg_t>(kBaseFlags | ZF);
	ASSERT_TRUE(run_at(0x40, {0xf0, 0x0f, 0xc7, 0x0f}));
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 8, 0x0000000600000005ull), Write(0x40, 8, 0x0000000600000005ull)}));
	EXPECT_EQ(ureg(REG_RAX), 5ull);
	EXPECT_EQ(ureg(REG_RDX), 6ull);
	EXPECT_EQ(flags(), kBaseFlags);
}

TEST_F(ReadModifyWrite, LockCmpxchg16bSucceedsAsTwoQwordAccesses)
{
	registers.set(0x40, 11);
	registers.set(0x48, 12);
	reg(REG_RAX) = 11;
	reg(REG_RDX) = 12;
	reg(REG_RBX) = 21;
	reg(REG_RCX) = 22;
	ASSERT_TRUE(run_at(0x40, {0xf0, 0x48, 0x0f, 0xc7, 0x0f})); /* lock cmpxchg16b (%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 8, 11), Read(0x48, 8, 12), Write(0x40, 8, 21), Write(0x48, 8, 22)}));
	EXPECT_EQ(flags(), kBaseFlags | ZF);
}

TEST_F(ReadModifyWrite, CmpOnlyReadsAndSetsFlags)
{
	registers.set(0x40, 5, 4);
	ASSERT_TRUE(run_at(0x40, {0x83, 0x3f, 0x05})); /* cmpl $5,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 4, 5)}));
	EXPECT_EQ(flags(), kBaseFlags | ZF | PF);
}

TEST_F(ReadModifyWrite, TestOnlyReadsAndSetsFlags)
{
	registers.set(0x40, 0xfe, 1);
	ASSERT_TRUE(run_at(0x40, {0xf6, 0x07, 0x01})); /* testb $1,(%rdi) */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 1, 0xfe)}));
	EXPECT_EQ(defined_logic_flags(), kBaseFlags | ZF | PF);
}

TEST_F(ReadModifyWrite, AddIntoRegisterZeroExtends)
{
	registers.set(0x40, 2, 4);
	reg(REG_RAX) = static_cast<greg_t>(0xffffffff00000001ull);
	ASSERT_TRUE(run_at(0x40, {0x03, 0x07})); /* add (%rdi),%eax */
	EXPECT_EQ(accesses(), (std::vector{Read(0x40, 4, 2)}));
	EXPECT_EQ(ureg(REG_RAX), 3ull);
	EXPECT_EQ(flags(), kBaseFlags | PF);
}

} /* namespace */
} /* namespace softvfio::trap::test */
