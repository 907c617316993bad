/* SPDX-License-Identifier: MIT */
/*
 * Real faults: instructions executed on a PROT_NONE page reach an edu-like
 * register model through the emulator in a SIGSEGV handler. Each test runs
 * one form with inline assembly, so the compiler cannot pick another one.
 */
#include <asm/prctl.h>
#include <cstring>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "trap/edu_like_registers.h"
#include "trap/trapped_page.h"

namespace softvfio::trap::test {
namespace {

using Edu = EduLikeRegisters;

class RealFaults : public ::testing::Test
{
protected:
	void SetUp() override
	{
		if (!page.installed())
			GTEST_SKIP() << "could not install the SIGSEGV handler (a sanitizer kept it)";
	}

	uint8_t *at(uint64_t offset) { return page.at(offset); }
	std::string diagnostic() { return page.diagnostic().text(); }

	Edu edu;
	TrappedPage page{edu};
};

TEST_F(RealFaults, LivenessAnswersTheComplement)
{
	uint32_t value = 0x12345678, read_back = 0;
	asm volatile("movl %[v], (%[p])\n\tmovl (%[p]), %[out]"
		     : [out] "=&r"(read_back)
		     : [v] "r"(value), [p] "r"(at(Edu::kLiveness))
		     : "memory");
	EXPECT_EQ(read_back, 0xedcba987u);
	EXPECT_EQ(page.emulated(), 2u);
}

TEST_F(RealFaults, LoadsOfEveryWidth)
{
	uint64_t byte = 0, word = 0, dword = 0, qword = 0;
	uint8_t *p = at(Edu::kIdentification);
	asm volatile("movb (%[p]), %b[b]" : [b] "+r"(byte) : [p] "r"(p) : "memory");
	asm volatile("movw (%[p]), %w[w]" : [w] "+r"(word) : [p] "r"(p) : "memory");
	asm volatile("movl (%[p]), %k[d]" : [d] "=r"(dword) : [p] "r"(p) : "memory");
	asm volatile("movq (%[p]), %[q]" : [q] "=r"(qword) : [p] "r"(p) : "memory");
	EXPECT_EQ(byte, 0xedu);
	EXPECT_EQ(word, 0xedu);
	EXPECT_EQ(dword, Edu::kId);
	EXPECT_EQ(qword, Edu::kId);
}

TEST_F(RealFaults, ZeroAndSignExtendingLoads)
{
	uint64_t zero = ~0ull, sign = 0;
	asm volatile("movzbl (%[p]), %k[z]\n\tmovsbq (%[p]), %[s]"
		     : [z] "+r"(zero), [s] "=r"(sign)
		     : [p] "r"(at(Edu::kIdentification))
		     : "memory");
	EXPECT_EQ(zero, 0xedu);
	EXPECT_EQ(sign, 0xffffffffffffffedull);
}

TEST_F(RealFaults, HighByteLoadLeavesTheRestOfRax)
{
	uint64_t rax = 0x1111111111111111ull;
	asm volatile("movb (%[p]), %%ah" : "+a"(rax) : [p] "r"(at(Edu::kIdentification)) : "memory");
	EXPECT_EQ(rax, 0x111111111111ed11ull);
}

TEST_F(RealFaults, FsRelativeLoad)
{
	unsigned long fs_base = 0;
	ASSERT_EQ(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_base), 0);
	edu.liveness = 0x5a5a5a5a;
	uint64_t offset = reinterpret_cast<uint64_t>(at(Edu::kLiveness)) - fs_base;
	uint32_t value = 0;
	asm volatile("movl %%fs:(%[o]), %[v]" : [v] "=r"(value) : [o] "r"(offset) : "memory");
	EXPECT_EQ(value, 0x5a5a5a5au);
}

TEST_F(RealFaults, ImmediateStoresRingTheDoorbell)
{
	asm volatile("movl $1, (%[p])\n\tmovb $1, (%[p])\n\tmovq $-1, (%[p])" : : [p] "r"(at(Edu::kDoorbell)) : "memory");
	EXPECT_EQ(edu.doorbells, 3u);
}

TEST_F(RealFaults, StatusClearsOnRead)
{
	edu.status = 5;
	uint32_t first = 0, second = 0;
	asm volatile("movl (%[p]), %[a]\n\tmovl (%[p]), %[b]"
		     : [a] "=&r"(first), [b] "=&r"(second)
		     : [p] "r"(at(Edu::kStatus))
		     : "memory");
	EXPECT_EQ(first, 5u);
	EXPECT_EQ(second, 0u);
}

TEST_F(RealFaults, FactorialComputes)
{
	uint32_t result = 0;
	asm volatile("movl $5, (%[p])\n\tmovl (%[p]), %[r]" : [r] "=r"(result) : [p] "r"(at(Edu::kFactorial)) : "memory");
	EXPECT_EQ(result, 120u);
}

TEST_F(RealFaults, MovntiStore)
{
	uint32_t value = 0xffff0000;
	asm volatile("movnti %[v], (%[p])" : : [v] "r"(value), [p] "r"(at(Edu::kLiveness)) : "memory");
	EXPECT_EQ(edu.liveness, 0x0000ffffu);
}

TEST_F(RealFaults, XchgSwapsWithTheDevice)
{
	edu.liveness = 0xaaaa5555;
	uint32_t value = 0x0000ffff;
	asm volatile("xchgl %[v], (%[p])" : [v] "+r"(value) : [p] "r"(at(Edu::kLiveness)) : "memory");
	EXPECT_EQ(value, 0xaaaa5555u);
	EXPECT_EQ(edu.liveness, 0xffff0000u);
}

TEST_F(RealFaults, LockAddSetsFlags)
{
	std::memset(edu.scratch, 0xff, 4);
	bool zero = false, carry = false;
	asm volatile("lock addl $1, (%[p])" : "=@ccz"(zero), "=@ccc"(carry) : [p] "r"(at(Edu::kScratch)) : "memory");
	EXPECT_TRUE(zero);
	EXPECT_TRUE(carry);
	EXPECT_EQ(edu.scratch[0], 0);
}

TEST_F(RealFaults, LockIncDecOrAndXorSub)
{
	uint8_t *p = at(Edu::kScratch);
	asm volatile("lock incl (%[p])\n\tlock incl (%[p])\n\tlock decl (%[p])\n\t"
		     "lock orl $0x100, (%[p])\n\tlock andl $0x1ff, (%[p])\n\tlock xorl $0x3, (%[p])\n\t"
		     "lock subl $0x2, (%[p])"
		     :
		     : [p] "r"(p)
		     : "memory", "cc");
	uint32_t value;
	std::memcpy(&value, edu.scratch, 4);
	EXPECT_EQ(value, ((((1u | 0x100) & 0x1ff) ^ 3) - 2));
}

TEST_F(RealFaults, LockXaddReturnsTheOldValue)
{
	edu.scratch[0] = 40;
	uint32_t addend = 2;
	asm volatile("lock xaddl %[a], (%[p])" : [a] "+r"(addend) : [p] "r"(at(Edu::kScratch)) : "memory", "cc");
	EXPECT_EQ(addend, 40u);
	EXPECT_EQ(edu.scratch[0], 42);
}

TEST_F(RealFaults, LockCmpxchgSucceedsThenFails)
{
	edu.scratch[0] = 7;
	uint32_t expected = 7;
	bool swapped = false;
	asm volatile("lock cmpxchgl %[n], (%[p])"
		     : "+a"(expected), "=@ccz"(swapped)
		     : [n] "r"(9u), [p] "r"(at(Edu::kScratch))
		     : "memory");
	EXPECT_TRUE(swapped);
	EXPECT_EQ(edu.scratch[0], 9);
	expected = 7;
	asm volatile("lock cmpxchgl %[n], (%[p])"
		     : "+a"(expected), "=@ccz"(swapped)
		     : [n] "r"(11u), [p] "r"(at(Edu::kScratch))
		     : "memory");
	EXPECT_FALSE(swapped);
	EXPECT_EQ(expected, 9u);
	EXPECT_EQ(edu.scratch[0], 9);
}

TEST_F(RealFaults, LockCmpxchg16b)
{
	uint64_t old_low = 1, old_high = 2;
	std::memcpy(edu.scratch, &old_low, 8);
	std::memcpy(edu.scratch + 8, &old_high, 8);
	uint64_t rax = 1, rdx = 2;
	bool swapped = false;
	asm volatile("lock cmpxchg16b (%[p])"
		     : "+a"(rax), "+d"(rdx), "=@ccz"(swapped)
		     : "b"(3ull), "c"(4ull), [p] "r"(at(Edu::kScratch))
		     : "memory");
	EXPECT_TRUE(swapped);
	uint64_t low, high;
	std::memcpy(&low, edu.scratch, 8);
	std::memcpy(&high, edu.scratch + 8, 8);
	EXPECT_EQ(low, 3u);
	EXPECT_EQ(high, 4u);
}

TEST_F(RealFaults, SseLoadAndStore)
{
	for (unsigned i = 0; i < 16; i++)
		edu.scratch[i] = static_cast<uint8_t>(i);
	uint8_t out[16] = {}, in[16];
	std::memset(in, 0x3c, sizeof(in));
	asm volatile("movdqu (%[p]), %%xmm0\n\tmovdqu %%xmm0, (%[o])\n\t"
		     "movups (%[i]), %%xmm1\n\tmovaps %%xmm1, 0x10(%[p])"
		     :
		     : [p] "r"(at(Edu::kScratch)), [o] "r"(out), [i] "r"(in)
		     : "xmm0", "xmm1", "memory");
	for (unsigned i = 0; i < 16; i++)
		EXPECT_EQ(out[i], i);
	EXPECT_EQ(std::memcmp(edu.scratch + 16, in, 16), 0);
}

TEST_F(RealFaults, MovdAndMovq)
{
	edu.liveness = 0x01020304;
	uint64_t value = 0;
	asm volatile("movd (%[p]), %%xmm0\n\tmovq %%xmm0, %[v]\n\t"
		     "movq %[v], %%xmm1\n\tmovq %%xmm1, 0x40(%[s])\n\tmovd %%xmm1, (%[p])"
		     : [v] "+r"(value)
		     : [p] "r"(at(Edu::kLiveness)), [s] "r"(at(Edu::kScratch))
		     : "xmm0", "xmm1", "memory");
	EXPECT_EQ(value, 0x01020304u);
	EXPECT_EQ(edu.scratch[0x40], 0x04);
	EXPECT_EQ(edu.liveness, ~0x01020304u);
}

TEST_F(RealFaults, AvxYmmLoadAndStore)
{
	if (!__builtin_cpu_supports("avx"))
		GTEST_SKIP() << "this CPU has no AVX";
	for (unsigned i = 0; i < 32; i++)
		edu.scratch[i] = static_cast<uint8_t>(0x80 + i);
	uint8_t out[32] = {};
	asm volatile("vmovdqu (%[p]), %%ymm0\n\tvmovdqu %%ymm0, (%[o])\n\tvmovdqu %%ymm0, 0x20(%[p])\n\tvzeroupper"
		     :
		     : [p] "r"(at(Edu::kScratch)), [o] "r"(out)
		     : "xmm0", "memory");
	for (unsigned i = 0; i < 32; i++) {
		EXPECT_EQ(out[i], 0x80 + i);
		EXPECT_EQ(edu.scratch[0x20 + i], 0x80 + i);
	}
}

TEST_F(RealFaults, AvxXmmLoadZeroesTheUpperHalf)
{
	if (!__builtin_cpu_supports("avx"))
		GTEST_SKIP() << "this CPU has no AVX";
	uint8_t ones[32], out[32];
	std::memset(ones, 0xff, sizeof(ones));
	std::memset(edu.scratch, 0x11, 16);
	asm volatile("vmovdqu (%[i]), %%ymm2\n\tvmovdqu (%[p]), %%xmm2\n\tvmovdqu %%ymm2, (%[o])\n\tvzeroupper"
		     :
		     : [p] "r"(at(Edu::kScratch)), [i] "r"(ones), [o] "r"(out)
		     : "xmm2", "memory");
	for (unsigned i = 0; i < 16; i++)
		EXPECT_EQ(out[i], 0x11);
	for (unsigned i = 16; i < 32; i++)
		EXPECT_EQ(out[i], 0);
}

TEST_F(RealFaults, RepMovsbCopiesIntoRegisters)
{
	const char text[] = "register bytes";
	void *destination = at(Edu::kScratch), *source = const_cast<char *>(text);
	size_t count = sizeof(text);
	asm volatile("rep movsb" : "+D"(destination), "+S"(source), "+c"(count) : : "memory");
	EXPECT_EQ(std::memcmp(edu.scratch, text, sizeof(text)), 0);
	EXPECT_EQ(count, 0u);
	EXPECT_EQ(destination, at(Edu::kScratch + sizeof(text)));
	EXPECT_EQ(source, text + sizeof(text));
}

TEST_F(RealFaults, RepMovsqCopiesOutOfRegisters)
{
	for (unsigned i = 0; i < 64; i++)
		edu.scratch[i] = static_cast<uint8_t>(i * 3);
	uint8_t out[64] = {};
	void *destination = out, *source = at(Edu::kScratch);
	size_t count = 8;
	asm volatile("rep movsq" : "+D"(destination), "+S"(source), "+c"(count) : : "memory");
	EXPECT_EQ(std::memcmp(out, edu.scratch, 64), 0);
	EXPECT_EQ(source, at(Edu::kScratch + 64));
}

TEST_F(RealFaults, RepMovsbBackwards)
{
	const char text[] = "abcdef";
	void *destination = at(Edu::kScratch + 5), *source = const_cast<char *>(text + 5);
	size_t count = 6;
	asm volatile("std\n\trep movsb\n\tcld" : "+D"(destination), "+S"(source), "+c"(count) : : "memory");
	EXPECT_EQ(std::memcmp(edu.scratch, text, 6), 0);
	EXPECT_EQ(destination, at(Edu::kScratch - 1));
}

TEST_F(RealFaults, RepStoslFillsRegisters)
{
	void *destination = at(Edu::kScratch);
	size_t count = 16;
	asm volatile("rep stosl" : "+D"(destination), "+c"(count) : "a"(0xdeadbeefu) : "memory");
	for (unsigned i = 0; i < 16; i++) {
		uint32_t word;
		std::memcpy(&word, edu.scratch + 4 * i, 4);
		EXPECT_EQ(word, 0xdeadbeefu);
	}
	EXPECT_EQ(count, 0u);
}

/* Instructions fetched from a page written at run time, as a JIT's are;
 * the second one straddles two pages of code. */
TEST_F(RealFaults, CodeGeneratedAtRunTime)
{
	auto *code = static_cast<uint8_t *>(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	ASSERT_NE(code, MAP_FAILED);
	const uint8_t load[] = {0x8b, 0x07, 0xc3};             /* mov (%rdi),%eax; ret */
	const uint8_t load_q[] = {0x48, 0x8b, 0x07, 0xc3};     /* mov (%rdi),%rax; ret */
	std::memcpy(code, load, sizeof(load));
	std::memcpy(code + 4094, load_q, sizeof(load_q));
	ASSERT_EQ(mprotect(code, 8192, PROT_READ | PROT_EXEC), 0);
	auto first = reinterpret_cast<uint32_t (*)(void *)>(code);
	auto straddling = reinterpret_cast<uint64_t (*)(void *)>(code + 4094);
	EXPECT_EQ(first(at(Edu::kIdentification)), Edu::kId);
	EXPECT_EQ(straddling(at(Edu::kIdentification)), Edu::kId);
	munmap(code, 8192);
}

TEST_F(RealFaults, MovbeIsRefusedWithItsName)
{
	if (!__builtin_cpu_supports("movbe"))
		GTEST_SKIP() << "this CPU has no movbe";
	uint32_t value = 0;
	bool completed = page.attempt([&] {
		asm volatile("movbe (%[p]), %[v]" : [v] "=r"(value) : [p] "r"(at(Edu::kLiveness)) : "memory");
	});
	EXPECT_FALSE(completed);
	EXPECT_NE(diagnostic().find("'movbe'"), std::string::npos) << diagnostic();
}

TEST_F(RealFaults, FxsaveIsRefusedWithItsName)
{
	bool completed = page.attempt([&] { asm volatile("fxsave (%[p])" : : [p] "r"(at(0)) : "memory"); });
	EXPECT_FALSE(completed);
	EXPECT_NE(diagnostic().find("'fxsave'"), std::string::npos) << diagnostic();
}

TEST_F(RealFaults, GatherIsRefusedWithItsName)
{
	if (!__builtin_cpu_supports("avx2"))
		GTEST_SKIP() << "this CPU has no AVX2";
	bool completed = page.attempt([&] {
		asm volatile("vpcmpeqd %%xmm1, %%xmm1, %%xmm1\n\tvpxor %%xmm2, %%xmm2, %%xmm2\n\t"
			     "vpgatherdd %%xmm1, (%[p],%%xmm2,4), %%xmm3\n\tvzeroupper"
			     :
			     : [p] "r"(at(0))
			     : "xmm1", "xmm2", "xmm3", "memory");
	});
	EXPECT_FALSE(completed);
	EXPECT_NE(diagnostic().find("'vpgatherdd'"), std::string::npos) << diagnostic();
}

/* A fault elsewhere is not ours: the handler installed before gets it. */
unsigned foreign_faults = 0;

void skip_two_byte_load(int, siginfo_t *, void *raw)
{
	foreign_faults++;
	static_cast<ucontext_t *>(raw)->uc_mcontext.gregs[REG_RIP] += 2; /* mov (%rdi),%eax */
}

TEST(RealFaultChain, ForeignFaultsReachThePreviousHandler)
{
	struct sigaction mine{}, original{};
	mine.sa_sigaction = skip_two_byte_load;
	mine.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &mine, &original);
	void *other = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(other, MAP_FAILED);
	{
		Edu edu;
		TrappedPage page{edu};
		if (page.installed()) {
			asm volatile("movl (%%rdi), %%eax" : : "D"(other) : "eax", "memory");
			EXPECT_EQ(foreign_faults, 1u);
			EXPECT_EQ(page.emulated(), 0u);
			EXPECT_EQ(edu.reads, 0u);
		}
	}
	munmap(other, 4096);
	sigaction(SIGSEGV, &original, nullptr);
}

} /* namespace */
} /* namespace softvfio::trap::test */
