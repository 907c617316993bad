/* SPDX-License-Identifier: MIT */
/* Reading the faulting instruction: 15 bytes at most, across a page
 * boundary when the next page is there, shortened when it is not. */
#include <sys/mman.h>

#include "trap/instruction_fetch.h"
#include "trap/synthetic_context.h"

namespace softvfio::trap::test {
namespace {

constexpr size_t kPage = 4096;

/* Two pages of code; the second one can be taken away. */
class CodePages : public EmulationTest
{
protected:
	void SetUp() override
	{
		pages = static_cast<uint8_t *>(mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE,
						    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
		ASSERT_NE(pages, MAP_FAILED);
		std::memset(pages, 0x90, 2 * kPage);
	}
	void TearDown() override
	{
		if (pages != MAP_FAILED)
			munmap(pages, 2 * kPage);
	}
	void drop_second_page() { ASSERT_EQ(mprotect(pages + kPage, kPage, PROT_NONE), 0); }
	/* Emulates the bytes placed at `at` in the pages. */
	Result<void> run_placed(size_t at, std::initializer_list<uint8_t> bytes, uint64_t offset)
	{
		std::copy(bytes.begin(), bytes.end(), pages + at);
		reg(REG_RDI) = static_cast<greg_t>(kRange + offset);
		reg(REG_RIP) = reinterpret_cast<greg_t>(pages + at);
		return emulate(context.uc, kRange + offset, map, diagnostic);
	}

	uint8_t *pages = static_cast<uint8_t *>(MAP_FAILED);
};

TEST_F(CodePages, ReadsFifteenBytesAtMost)
{
	uint8_t out[kMaxInstructionLength];
	EXPECT_EQ(fetch_instruction(reinterpret_cast<uint64_t>(pages + 100), out), kMaxInstructionLength);
}

TEST_F(CodePages, ReadsAcrossThePageBoundary)
{
	pages[kPage - 1] = 0x11;
	pages[kPage] = 0x22;
	uint8_t out[kMaxInstructionLength];
	EXPECT_EQ(fetch_instruction(reinterpret_cast<uint64_t>(pages + kPage - 1), out), kMaxInstructionLength);
	EXPECT_EQ(out[0], 0x11);
	EXPECT_EQ(out[1], 0x22);
}

TEST_F(CodePages, StopsAtAnInaccessibleNextPage)
{
	drop_second_page();
	uint8_t out[kMaxInstructionLength];
	EXPECT_EQ(fetch_instruction(reinterpret_cast<uint64_t>(pages + kPage - 3), out), 3u);
}

TEST_F(CodePages, InstructionEndingAtThePageEdgeIsEmulated)
{
	drop_second_page();
	registers.set(0x10, 0x12345678, 4);
	ASSERT_TRUE(run_placed(kPage - 2, {0x8b, 0x07}, 0x10)); /* mov (%rdi),%eax */
	EXPECT_EQ(ureg(REG_RAX), 0x12345678u);
	EXPECT_EQ(ureg(REG_RIP), reinterpret_cast<uint64_t>(pages + kPage));
}

TEST_F(CodePages, InstructionCutByAnInaccessiblePageIsRefused)
{
	drop_second_page();
	auto result = run_placed(kPage - 2, {0x48, 0x8b}, 0x10); /* mov (%rdi),%rax without its ModRM */
	ASSERT_FALSE(result);
	EXPECT_EQ(result.error(), EILSEQ);
	EXPECT_EQ(registers.logged, 0u);
}

} /* namespace */
} /* namespace softvfio::trap::test */
