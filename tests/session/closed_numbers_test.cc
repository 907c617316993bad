/* SPDX-License-Identifier: MIT */
/*
 * ClosedNumbers (session/wire/closed_numbers.h) on its own: what a process
 * marks, the kernel takes, once; marks from many threads at once are all
 * taken, whether a take runs meanwhile or not.
 */
#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "session/wire/closed_numbers.h"

namespace softvfio::session::wire {
namespace {

std::vector<int> take_all(ClosedNumbers &c)
{
	std::vector<int> out;
	take_closed(c, [&](int fd) { out.push_back(fd); });
	return out;
}

std::unique_ptr<ClosedNumbers> fresh() { return std::make_unique<ClosedNumbers>(); }

TEST(ClosedNumbers, WhatIsMarkedIsTakenOnceInOrder)
{
	auto c = fresh();
	for (int fd : {4096, 0, 65535, 63, 64, 4095})
		EXPECT_TRUE(mark_closed(*c, fd));
	EXPECT_EQ(take_all(*c), (std::vector<int>{0, 63, 64, 4095, 4096, 65535}));
	EXPECT_TRUE(take_all(*c).empty());
}

TEST(ClosedNumbers, NumbersOutsideAreRefusedAndLeaveNoMark)
{
	auto c = fresh();
	EXPECT_FALSE(mark_closed(*c, -1));
	EXPECT_FALSE(mark_closed(*c, int(ClosedNumbers::kNumbers)));
	EXPECT_EQ(closed_generation(*c), 0u);
	EXPECT_TRUE(take_all(*c).empty());
}

TEST(ClosedNumbers, EachMarkRaisesTheGeneration)
{
	auto c = fresh();
	mark_closed(*c, 5);
	mark_closed(*c, 5);
	EXPECT_EQ(closed_generation(*c), 2u);
	EXPECT_EQ(take_all(*c), (std::vector<int>{5}));
}

/* A word the process changed without its summary bit (a process may write
 * anything) is not read: the summary says where to look. */
TEST(ClosedNumbers, OnlyWordsTheSummaryNamesAreRead)
{
	auto c = fresh();
	c->words[3].store(~uint64_t{0});
	EXPECT_TRUE(take_all(*c).empty());
	c->summary[0].store(uint64_t{1} << 3);
	EXPECT_EQ(take_all(*c).size(), 64u);
}

TEST(ClosedNumbers, MarksFromManyThreadsWhileTakingAreAllTakenOnce)
{
	auto c = fresh();
	constexpr int kThreads = 4;
	constexpr int kEach = 2000;
	std::atomic<int> running{kThreads};
	std::vector<int> taken;
	std::thread taker([&] {
		while (running.load() > 0)
			take_closed(*c, [&](int fd) { taken.push_back(fd); });
		take_closed(*c, [&](int fd) { taken.push_back(fd); });
	});
	std::vector<std::thread> markers;
	for (int t = 0; t < kThreads; t++)
		markers.emplace_back([&, t] {
			for (int i = 0; i < kEach; i++)
				mark_closed(*c, t * kEach + i);
			running.fetch_sub(1);
		});
	for (auto &m : markers)
		m.join();
	taker.join();
	std::sort(taken.begin(), taken.end());
	ASSERT_EQ(taken.size(), size_t(kThreads * kEach));
	for (int i = 0; i < kThreads * kEach; i++)
		ASSERT_EQ(taken[size_t(i)], i);
	EXPECT_EQ(closed_generation(*c), uint64_t(kThreads * kEach));
}

} /* namespace */
} /* namespace softvfio::session::wire */
