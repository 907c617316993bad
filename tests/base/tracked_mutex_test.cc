/* SPDX-License-Identifier: MIT */
/*
 * TrackedMutex / TrackedSharedMutex (base/tracked_mutex.h): each hold,
 * shared or exclusive, counts once for the thread that holds it; a failed
 * try_lock counts nothing; another thread's holds are not this thread's.
 */
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <gtest/gtest.h>

#include "base/tracked_mutex.h"

namespace softvfio {
namespace {

TEST(TrackedMutex, AHoldCountsUntilItIsReleased)
{
	TrackedMutex m;
	EXPECT_EQ(tracked_locks_held(), 0u);
	{
		std::lock_guard guard(m);
		EXPECT_EQ(tracked_locks_held(), 1u);
	}
	EXPECT_EQ(tracked_locks_held(), 0u);
}

TEST(TrackedMutex, NestedSharedAndExclusiveHoldsAddUp)
{
	TrackedSharedMutex a, b;
	TrackedMutex c;
	{
		std::shared_lock one(a);
		EXPECT_EQ(tracked_locks_held(), 1u);
		{
			std::unique_lock two(b);
			EXPECT_EQ(tracked_locks_held(), 2u);
			std::scoped_lock three(c);
			EXPECT_EQ(tracked_locks_held(), 3u);
		}
		EXPECT_EQ(tracked_locks_held(), 1u);
		/* A second shared hold of the same mutex is a hold too. */
		std::shared_lock again(a);
		EXPECT_EQ(tracked_locks_held(), 2u);
	}
	EXPECT_EQ(tracked_locks_held(), 0u);
}

TEST(TrackedMutex, AFailedTryLockCountsNothing)
{
	TrackedSharedMutex m;
	TrackedMutex plain;
	std::unique_lock held(m);
	std::lock_guard held_plain(plain);
	ASSERT_EQ(tracked_locks_held(), 2u);
	std::thread([&] {
		EXPECT_FALSE(m.try_lock());
		EXPECT_FALSE(m.try_lock_shared());
		EXPECT_FALSE(plain.try_lock());
		std::unique_lock attempt(m, std::try_to_lock);
		EXPECT_FALSE(attempt.owns_lock());
		EXPECT_EQ(tracked_locks_held(), 0u);
	}).join();
	EXPECT_EQ(tracked_locks_held(), 2u);
}

TEST(TrackedMutex, ASuccessfulTryLockCounts)
{
	TrackedSharedMutex m;
	ASSERT_TRUE(m.try_lock_shared());
	EXPECT_EQ(tracked_locks_held(), 1u);
	m.unlock_shared();
	ASSERT_TRUE(m.try_lock());
	EXPECT_EQ(tracked_locks_held(), 1u);
	m.unlock();
	EXPECT_EQ(tracked_locks_held(), 0u);
}

TEST(TrackedMutex, TheCountIsPerThread)
{
	TrackedSharedMutex m;
	std::shared_lock mine(m);
	std::thread([&] {
		EXPECT_EQ(tracked_locks_held(), 0u) << "the other thread's hold is not this one's";
		std::shared_lock theirs(m);
		EXPECT_EQ(tracked_locks_held(), 1u);
	}).join();
	EXPECT_EQ(tracked_locks_held(), 1u);
}

} /* namespace */
} /* namespace softvfio */
