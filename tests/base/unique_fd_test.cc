/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <softvfio/base/unique_fd.h>

namespace softvfio {
namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) >= 0; }

TEST(UniqueFD, ClosesOnDestruction)
{
	int raw = ::dup(0);
	ASSERT_GE(raw, 0);
	{
		UniqueFD fd(raw);
		EXPECT_TRUE(fd.isValid());
	}
	EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFD, MoveTransfersOwnership)
{
	UniqueFD a(::dup(0));
	int raw = a.get();
	UniqueFD b(std::move(a));
	EXPECT_FALSE(a.isValid());
	EXPECT_EQ(b.get(), raw);
	EXPECT_TRUE(is_open(raw));
}

TEST(UniqueFD, ReleaseKeepsFdOpen)
{
	UniqueFD a(::dup(0));
	int raw = a.release();
	EXPECT_FALSE(a.isValid());
	EXPECT_TRUE(is_open(raw));
	::close(raw);
}

} /* namespace */
} /* namespace softvfio */
