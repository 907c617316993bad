/* SPDX-License-Identifier: MIT */
/*
 * client::Result as std::expected's shape: the monadic calls, the
 * std::error_code conversion, and that using the value of a failure ends the
 * process with the failure's message instead of throwing. This file is
 * compiled with NDEBUG whatever the build type (tests/client/CMakeLists.txt),
 * so no assert() can be what stops it.
 */
#include <cerrno>
#include <memory>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include <softvfio/client/client.h>

#ifndef NDEBUG
#error "result_test.cc checks the NDEBUG behaviour: build it with NDEBUG"
#endif

namespace softvfio::test {
namespace {

using namespace softvfio::client;

Result<int> parse_even(int v)
{
	if (v % 2)
		return fail(EINVAL, "odd " + std::to_string(v));
	return v;
}

TEST(ClientResultShape, ValueOr)
{
	EXPECT_EQ(parse_even(4).value_or(-1), 4);
	EXPECT_EQ(parse_even(3).value_or(-1), -1);
	Result<std::unique_ptr<int>> moved(std::make_unique<int>(7));
	EXPECT_EQ(*std::move(moved).value_or(nullptr), 7);
}

TEST(ClientResultShape, AndThenChainsOrPassesTheFailureOn)
{
	auto halve = [](int v) -> Result<int> { return parse_even(v / 2); };
	EXPECT_EQ(*parse_even(8).and_then(halve), 4);
	auto second = parse_even(6).and_then(halve);
	ASSERT_FALSE(second);
	EXPECT_EQ(second.error().what, "odd 3");
	bool called = false;
	auto first = parse_even(5).and_then([&](int v) -> Result<int> { called = true; return v; });
	EXPECT_FALSE(called);
	EXPECT_EQ(first.error().what, "odd 5");
	Result<void> done = parse_even(2).and_then([](int) -> Result<void> { return {}; });
	EXPECT_TRUE(done);
}

TEST(ClientResultShape, TransformMapsTheValue)
{
	Result<std::string> text = parse_even(10).transform([](int v) { return std::to_string(v); });
	EXPECT_EQ(*text, "10");
	Result<std::string> failed = parse_even(1).transform([](int v) { return std::to_string(v); });
	EXPECT_EQ(failed.code(), EINVAL);
	int seen = 0;
	Result<void> side = parse_even(12).transform([&](int v) { seen = v; });
	EXPECT_TRUE(side);
	EXPECT_EQ(seen, 12);
}

TEST(ClientResultShape, OrElseRecoversOrRewrites)
{
	EXPECT_EQ(*parse_even(3).or_else([](const Error &) -> Result<int> { return 0; }), 0);
	EXPECT_EQ(*parse_even(4).or_else([](const Error &) -> Result<int> { return 0; }), 4);
	auto busy = parse_even(3).or_else([](const Error &e) -> Result<int> { return fail(EBUSY, e.what + " again"); });
	EXPECT_EQ(busy.code(), EBUSY);
	EXPECT_EQ(busy.error().what, "odd 3 again");
	auto context = parse_even(7).transform_error([](Error e) {
		e.what = "reading BAR 2: " + e.what;
		return e;
	});
	EXPECT_EQ(context.error().what, "reading BAR 2: odd 7");
	Result<void> recovered = Result<void>(fail(ENOENT, "x")).or_else([](const Error &) { return Result<void>(); });
	EXPECT_TRUE(recovered);
}

TEST(ClientResultShape, ErrorCodeIsTheErrno)
{
	std::error_code ec = parse_even(3).error_code();
	EXPECT_EQ(ec, std::errc::invalid_argument);
	EXPECT_EQ(ec.category(), std::generic_category());
	EXPECT_FALSE(parse_even(2).error_code());
	EXPECT_EQ(static_cast<std::error_code>(Error{ENODEV, "open"}), std::errc::no_such_device);
	EXPECT_EQ(Result<void>(fail(EBUSY, "x")).error_code(), std::errc::device_or_resource_busy);
	EXPECT_FALSE(Result<void>().error_code());
}

TEST(ClientResultShape, ErrorOfASuccessIsEmpty)
{
	auto r = parse_even(2);
	EXPECT_EQ(r.error().code, 0);
	EXPECT_TRUE(r.error().what.empty());
}

/* A failure built without an errno still reads as a failure. */
TEST(ClientResultShape, FailureWithoutErrnoIsEINVAL)
{
	Result<int> r = Error{0, "forgot the errno"};
	EXPECT_FALSE(r);
	EXPECT_EQ(r.code(), EINVAL);
	Result<void> v = Error{0, "forgot the errno"};
	EXPECT_FALSE(v);
}

using ClientResultDeathTest = ::testing::Test;

/* The case: bdf() through a failed open threw bad_variant_access in
 * an NDEBUG build. Now it ends the process, naming the failure. */
TEST_F(ClientResultDeathTest, ValueOfAFailedOpenAbortsWithItsMessage)
{
	auto dev = Device::open(kernel_backend(), "ffff:ff:1f.7");
	ASSERT_FALSE(dev);
	EXPECT_DEATH((void)dev->bdf(), "the value of a failed Result was used: no PCI device ffff:ff:1f.7");
	EXPECT_DEATH((void)dev.value(), "failed Result");
	EXPECT_DEATH((void)*parse_even(1), "odd 1");
	EXPECT_DEATH(Result<void>(fail(EIO, "write")).value(), "write: ");
}

} /* namespace */
} /* namespace softvfio::test */
