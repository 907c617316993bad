/* SPDX-License-Identifier: MIT */
#include <cerrno>

#include <gtest/gtest.h>

#include <softvfio/base/result.h>

namespace softvfio {
namespace {

Result<int> half(int v)
{
	if (v % 2)
		return err(EINVAL);
	return v / 2;
}

Result<void> quarter_ok(int v)
{
	SVFIO_TRY(half(v));
	SVFIO_TRY(half(v / 2));
	return {};
}

TEST(Result, CarriesValue)
{
	auto r = half(8);
	ASSERT_TRUE(r);
	EXPECT_EQ(*r, 4);
	EXPECT_EQ(r.error(), 0);
}

TEST(Result, CarriesErrno)
{
	auto r = half(3);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error(), EINVAL);
	EXPECT_EQ(r.value_or(-1), -1);
}

TEST(Result, TryPropagatesFirstError)
{
	EXPECT_TRUE(quarter_ok(8));
	EXPECT_EQ(quarter_ok(6).error(), EINVAL);
}

TEST(Result, SyscallConvention)
{
	EXPECT_EQ(to_syscall(half(8)), 4);
	EXPECT_EQ(to_syscall(half(3)), -EINVAL);
	EXPECT_EQ(to_syscall(Result<void>{}), 0);
	EXPECT_EQ(to_syscall(Result<void>{err(ENOTTY)}), -ENOTTY);
}

} /* namespace */
} /* namespace softvfio */
