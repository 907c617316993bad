/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>
#include <memory>
#include <thread>
#include <vector>

#include "shim/fd_cache.h"

namespace softvfio::shim {
namespace {

TEST(FdCache, UnknownUntilClassified)
{
	auto cache = std::make_unique<FdCache>();
	FdCache::Entry e = cache->get(7);
	EXPECT_EQ(e.kind, FdKind::Unknown);
	EXPECT_TRUE(cache->set_if(7, e, FdKind::Foreign));
	EXPECT_EQ(cache->get(7).kind, FdKind::Foreign);
	cache->forget(7);
	EXPECT_EQ(cache->get(7).kind, FdKind::Unknown);
}

/* A classification that raced with a close (or a new open) of the number
 * must not stick to the number's next file. */
TEST(FdCache, StaleClassificationIsDropped)
{
	auto cache = std::make_unique<FdCache>();
	FdCache::Entry seen = cache->get(3);
	cache->forget(3);                 /* closed meanwhile */
	EXPECT_FALSE(cache->set_if(3, seen, FdKind::Ours));
	EXPECT_EQ(cache->get(3).kind, FdKind::Unknown);
	seen = cache->get(3);
	cache->set(3, FdKind::Ours);      /* reopened as ours meanwhile */
	EXPECT_FALSE(cache->set_if(3, seen, FdKind::Foreign));
	EXPECT_EQ(cache->get(3).kind, FdKind::Ours);
}

TEST(FdCache, NumbersBeyondTheTableAreNeverCached)
{
	auto cache = std::make_unique<FdCache>();
	FdCache::Entry e = cache->get(FdCache::kSlots + 5);
	EXPECT_FALSE(cache->set_if(FdCache::kSlots + 5, e, FdKind::Ours));
	cache->set(FdCache::kSlots + 5, FdKind::Ours);
	EXPECT_EQ(cache->get(FdCache::kSlots + 5).kind, FdKind::Unknown);
	EXPECT_EQ(cache->get(-1).kind, FdKind::Unknown);
}

/* close_range stops at the highest number that ever stood for anything. */
TEST(FdCache, HighWaterFollowsSetAndClassification)
{
	auto cache = std::make_unique<FdCache>();
	EXPECT_EQ(cache->high_water(), 0u);
	cache->set(9, FdKind::Foreign);
	EXPECT_EQ(cache->high_water(), 9u);
	cache->set(4, FdKind::Ours);
	EXPECT_EQ(cache->high_water(), 9u);
	EXPECT_TRUE(cache->set_if(40, cache->get(40), FdKind::Ours));
	EXPECT_EQ(cache->high_water(), 40u);
	cache->forget(40);
	EXPECT_EQ(cache->high_water(), 40u);
	cache->set(FdCache::kSlots + 1, FdKind::Ours);
	EXPECT_EQ(cache->high_water(), 40u);
}

TEST(FdCache, ForgetRangeAndForEach)
{
	auto cache = std::make_unique<FdCache>();
	for (int fd : {3, 4, 10, 200})
		cache->set(fd, FdKind::Ours);
	cache->set(5, FdKind::Internal);
	cache->forget_range(4, 100);
	std::vector<int> ours;
	cache->for_each(FdKind::Ours, [&](int fd) { ours.push_back(fd); });
	EXPECT_EQ(ours, (std::vector<int>{3, 200}));
	EXPECT_EQ(cache->get(5).kind, FdKind::Unknown);
	cache->forget_range(0, ~0u);
	ours.clear();
	cache->for_each(FdKind::Ours, [&](int fd) { ours.push_back(fd); });
	EXPECT_TRUE(ours.empty());
}

/* Concurrent classify-and-forget never leaves a classification that was
 * read before the last forget. */
TEST(FdCache, ConcurrentResetsWin)
{
	auto cache = std::make_unique<FdCache>();
	std::atomic<bool> stop{false};
	std::thread classifier([&] {
		while (!stop) {
			FdCache::Entry e = cache->get(9);
			cache->set_if(9, e, FdKind::Foreign);
		}
	});
	for (int i = 0; i < 10000; i++) {
		cache->set(9, FdKind::Ours);
		EXPECT_NE(cache->get(9).kind, FdKind::Foreign);
		cache->forget(9);
	}
	stop = true;
	classifier.join();
}

} /* namespace */
} /* namespace softvfio::shim */
