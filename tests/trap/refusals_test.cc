/* SPDX-License-Identifier: MIT */
/* What the emulator refuses: an error and a one-line diagnostic naming the
 * instruction, and the context left as it was. */
#include <string>

#include "trap/synthetic_context.h"

namespace softvfio::trap::test {
namespace {

class Refusals : public EmulationTest
{
protected:
	void SetUp() override
	{
		reg(REG_RAX) = 0x1111;
		saved = context.uc.uc_mcontext;
	}

	void expect_refused(Result<void> result, int error, const char *mnemonic, const char *bytes)
	{
		ASSERT_FALSE(result);
		EXPECT_EQ(result.error(), error);
		std::string text = diagnostic.text();
		EXPECT_NE(text.find(std::string("'") + mnemonic + "'"), std::string::npos) << text;
		EXPECT_NE(text.find(std::string("(") + bytes + ")"), std::string::npos) << text;
		EXPECT_EQ(text.find('\n'), std::string::npos);
		EXPECT_EQ(registers.logged, 0u);
		EXPECT_TRUE(rip_unchanged());
		EXPECT_EQ(ureg(REG_RAX), 0x1111u);
	}

	mcontext_t saved;
};

TEST_F(Refusals, Movbe)
{
	expect_refused(run_at(0x10, {0x0f, 0x38, 0xf0, 0x07}), EOPNOTSUPP, "movbe", "0f 38 f0 07");
}

TEST_F(Refusals, Fxsave)
{
	expect_refused(run_at(0x10, {0x0f, 0xae, 0x07}), EOPNOTSUPP, "fxsave", "0f ae 07");
}

TEST_F(Refusals, Vpgatherdd)
{
	reg(REG_RDI) = static_cast<greg_t>(kRange);
	expect_refused(run({0xc4, 0xe2, 0x71, 0x90, 0x1c, 0x97}, kRange), EOPNOTSUPP, "vpgatherdd",
		       "c4 e2 71 90 1c 97");
}

TEST_F(Refusals, EvexMove)
{
	expect_refused(run_at(0x40, {0x62, 0xf1, 0xfe, 0x48, 0x6f, 0x0f}), EOPNOTSUPP, "vmovdqu64",
		       "62 f1 fe 48 6f 0f");
}

TEST_F(Refusals, ScalarSseMove)
{
	expect_refused(run_at(0x40, {0xf3, 0x0f, 0x10, 0x0f}), EOPNOTSUPP, "movss", "f3 0f 10 0f");
}

TEST_F(Refusals, AccessStraddlingTheRangesEnd)
{
	/* mov (%rdi),%rax at the last 4 bytes of the range */
	expect_refused(run_at(0xffc, {0x48, 0x8b, 0x07}), EFAULT, "mov", "48 8b 07");
}

TEST_F(Refusals, FaultAddressOutsideTheDecodedOperand)
{
	reg(REG_RDI) = static_cast<greg_t>(kRange + 0x10);
	expect_refused(run({0x8b, 0x07}, kRange + 0x800), EFAULT, "mov", "8b 07");
}

TEST_F(Refusals, OperandInPlainMemory)
{
	/* The map does not know the address: a fault that is not ours. */
	reg(REG_RDI) = static_cast<greg_t>(kRange + 0x2000);
	expect_refused(run({0x8b, 0x07}, kRange + 0x2000), EFAULT, "mov", "8b 07");
}

TEST_F(Refusals, UndecodableBytes)
{
	auto result = run_at(0x10, {0x06}); /* push %es: invalid in 64-bit mode */
	ASSERT_FALSE(result);
	EXPECT_EQ(result.error(), EILSEQ);
	EXPECT_TRUE(rip_unchanged());
	EXPECT_NE(std::string(diagnostic.text()).find("(06 cc"), std::string::npos) << diagnostic.text();
}

TEST_F(Refusals, ContextIsUntouched)
{
	ASSERT_FALSE(run_at(0x10, {0x0f, 0x38, 0xf0, 0x07}));
	saved.gregs[REG_RDI] = reg(REG_RDI); /* set by run_at() */
	saved.gregs[REG_RIP] = reg(REG_RIP);
	EXPECT_TRUE(rip_unchanged());
	EXPECT_EQ(std::memcmp(saved.gregs, context.uc.uc_mcontext.gregs, sizeof(saved.gregs)), 0);
}

} /* namespace */
} /* namespace softvfio::trap::test */
