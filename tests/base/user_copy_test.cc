/* SPDX-License-Identifier: MIT */
#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/user_copy.h"

namespace softvfio {
namespace {

TEST(UserCopy, CopiesValidMemory)
{
	char src[40] = "the quick brown fox jumps over";
	char dst[40] = {};
	ASSERT_TRUE(copy_from_user(dst, src, sizeof(src)));
	EXPECT_STREQ(dst, src);
}

TEST(UserCopy, BadSourceIsEfault)
{
	char dst[8];
	auto r = copy_from_user(dst, reinterpret_cast<void *>(0x8), sizeof(dst));
	EXPECT_EQ(r.error(), EFAULT);
}

TEST(UserCopy, BadDestinationIsEfault)
{
	char src[8] = {};
	auto r = copy_to_user(reinterpret_cast<void *>(0x10), src, sizeof(src));
	EXPECT_EQ(r.error(), EFAULT);
}

/* A payload whose tail runs into an inaccessible page: the kernel's
 * copy_from_user fails the whole copy with EFAULT. (A PROT_NONE guard
 * rather than an unmapped page, which a sanitizer runtime may reuse.) */
TEST(UserCopy, TailInUnmappedPageIsEfault)
{
	long page = sysconf(_SC_PAGESIZE);
	auto *two = static_cast<char *>(mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	ASSERT_NE(two, MAP_FAILED);
	ASSERT_EQ(mprotect(two + page, page, PROT_NONE), 0);
	char dst[64];
	EXPECT_TRUE(copy_from_user(dst, two + page - 32, 32));
	EXPECT_EQ(copy_from_user(dst, two + page - 32, 64).error(), EFAULT);
	munmap(two, 2 * page);
}

TEST(UserCopy, ReadOnlyDestinationIsEfault)
{
	long page = sysconf(_SC_PAGESIZE);
	void *ro = mmap(nullptr, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(ro, MAP_FAILED);
	char src[16] = {};
	EXPECT_EQ(copy_to_user(ro, src, sizeof(src)).error(), EFAULT);
	munmap(ro, page);
}

TEST(UserCopy, String)
{
	auto s = copy_string_from_user("0000:00:01.0", 64);
	ASSERT_TRUE(s);
	EXPECT_EQ(*s, "0000:00:01.0");
	EXPECT_EQ(copy_string_from_user("abcdef", 3).error(), EINVAL);
	EXPECT_EQ(copy_string_from_user(reinterpret_cast<const char *>(0x8), 3).error(), EFAULT);
}

/* A remembered answer is replayed only over its question. */
TEST(UserCompareAndWrite, WritesTheAnswerWhenEveryQuestionMatches)
{
	unsigned char arg[32] = {};
	arg[0] = 32;
	arg[8] = 2;
	const unsigned char argsz = 32, index = 2, answer[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	const UserBytes q[] = {{0, 1, &argsz}, {8, 1, &index}}, a[] = {{16, 8, answer}};
	auto r = user_compare_and_write(reinterpret_cast<uintptr_t>(arg), q, 2, a, 1);
	ASSERT_TRUE(r);
	EXPECT_TRUE(*r);
	EXPECT_EQ(std::memcmp(arg + 16, answer, 8), 0);
}

TEST(UserCompareAndWrite, AnyDifferenceWritesNothing)
{
	unsigned char arg[32] = {};
	arg[0] = 32;
	arg[8] = 3;
	const unsigned char argsz = 32, index = 2, answer[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	const UserBytes q[] = {{0, 1, &argsz}, {8, 1, &index}}, a[] = {{16, 8, answer}};
	auto r = user_compare_and_write(reinterpret_cast<uintptr_t>(arg), q, 2, a, 1);
	ASSERT_TRUE(r);
	EXPECT_FALSE(*r);
	for (int i = 16; i < 24; i++)
		EXPECT_EQ(arg[i], 0) << i;
}

TEST(UserCompareAndWrite, AQuestionInAnInaccessiblePageIsEfault)
{
	long page = sysconf(_SC_PAGESIZE);
	auto *two = static_cast<unsigned char *>(
		mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	ASSERT_NE(two, MAP_FAILED);
	ASSERT_EQ(mprotect(two + page, page, PROT_NONE), 0);
	const unsigned char question[16] = {};
	const UserBytes q[] = {{0, 16, question}};
	EXPECT_EQ(user_compare_and_write(reinterpret_cast<uintptr_t>(two + page - 8), q, 1, nullptr, 0).error(), EFAULT);
	munmap(two, 2 * page);
}

TEST(UserCompareAndWrite, AnAnswerIntoReadOnlyMemoryIsEfault)
{
	long page = sysconf(_SC_PAGESIZE);
	auto *ro = static_cast<unsigned char *>(mmap(nullptr, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	ASSERT_NE(ro, MAP_FAILED);
	const unsigned char zero = 0, answer[4] = {9, 9, 9, 9};
	const UserBytes q[] = {{0, 1, &zero}}, a[] = {{8, 4, answer}};
	EXPECT_EQ(user_compare_and_write(reinterpret_cast<uintptr_t>(ro), q, 1, a, 1).error(), EFAULT);
	munmap(ro, page);
}

/* Guards are per thread: faults in one thread never unwind another. */
TEST(UserCopy, ConcurrentFaultingAndValidCopies)
{
	std::vector<std::thread> threads;
	std::atomic<int> efaults{0}, oks{0};
	for (int t = 0; t < 4; t++)
		threads.emplace_back([&, t] {
			char buf[32] = "payload";
			char dst[32];
			for (int i = 0; i < 2000; i++) {
				if ((i + t) % 2) {
					if (copy_from_user(dst, reinterpret_cast<void *>(0x40), 8).error() == EFAULT)
						efaults++;
				} else if (copy_from_user(dst, buf, sizeof(buf))) {
					oks++;
				}
			}
		});
	for (auto &t : threads)
		t.join();
	EXPECT_EQ(efaults.load(), 4000);
	EXPECT_EQ(oks.load(), 4000);
}

} /* namespace */
} /* namespace softvfio */
