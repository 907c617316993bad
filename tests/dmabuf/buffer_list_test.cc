/* SPDX-License-Identifier: MIT */
/*
 * BufferList: the device-wide move and cleanup (§4.5, §4.9), and the
 * deferred release that keeps a reference dropped under memory_lock from
 * deadlocking.
 */
#include <atomic>
#include <thread>

#include "dmabuf/attachment.h"
#include "dmabuf/deferred_release.h"
#include "dmabuf/fake_exporter.h"

namespace softvfio::dmabuf::test {
namespace {

using BufferListTest = DmaBufTest;

TEST_F(BufferListTest, MoveRevokesAndUnrevokesAllButPerm)
{
	auto a = make({{kBar2, kPage}});
	auto b = make({{kBar2, kPage}});
	set_status(b, Status::PermRevoked);
	move(true);
	EXPECT_EQ(a->status(), Status::TempRevoked);
	EXPECT_EQ(b->status(), Status::PermRevoked);
	move(false);
	EXPECT_EQ(a->status(), Status::Ok);
	EXPECT_EQ(b->status(), Status::PermRevoked);
}

TEST_F(BufferListTest, CleanupRevokesDetachesAndEmpties)
{
	auto a = make({{kBar2, kPage}});
	auto b = make({{kBar2, kPage}});
	set_status(b, Status::PermRevoked);
	EXPECT_EQ(dev_.registrations, 2);
	dev_.list.cleanup();
	EXPECT_EQ(dev_.list.size(), 0u);
	EXPECT_EQ(dev_.registrations, 0);
	EXPECT_EQ(a->status(), Status::TempRevoked);
	EXPECT_EQ(b->status(), Status::PermRevoked);
	EXPECT_EQ(a->owner(), nullptr);
	EXPECT_EQ(b->owner(), nullptr);
	move(false);
	EXPECT_EQ(a->status(), Status::TempRevoked);
}

TEST_F(BufferListTest, BuffersBeingReleasedAreSkipped)
{
	auto a = make({{kBar2, kPage}});
	auto b = make({{kBar2, kPage}});
	std::unique_lock guard(dev_.memory_lock());
	{
		DeferReleaseScope defer;
		b.reset();   /* would deadlock if released here */
	}
	/* b's release waits for the lock we hold: still listed, but
	 * skipped by every device-wide operation. */
	EXPECT_EQ(dev_.list.size(), 2u);
	EXPECT_EQ(dev_.list.snapshot().size(), 1u);
	dev_.list.move_locked(true);
	EXPECT_EQ(a->status(), Status::TempRevoked);
	guard.unlock();
	flush_deferred_releases();
	EXPECT_EQ(dev_.list.size(), 1u);
	EXPECT_EQ(dev_.registrations, 1);
}

TEST_F(BufferListTest, MoveHoldingTheLastReferenceDoesNotDeadlock)
{
	/* Worst case: during the revoke every other reference goes (the
	 * importer even detaches from inside its callback, which real
	 * importers must not do), so the move's own reference is the last,
	 * dropped with memory_lock held. */
	auto held = make({{kBar2, kPage}});
	std::weak_ptr<DmaBuf> weak = held;
	std::unique_ptr<Attachment> att;
	struct Dropper : Importer {
		std::function<void()> drop;
		void invalidate(Attachment &) override { drop(); }
	} dropper;
	dropper.drop = [&] {
		att.reset();
		held.reset();
	};
	att = attach(held, dropper).value();
	{
		std::unique_lock guard(dev_.memory_lock());
		dev_.list.move_locked(true);
		EXPECT_TRUE(weak.expired());
		EXPECT_EQ(dev_.list.size(), 1u);
	}
	flush_deferred_releases();
	EXPECT_EQ(dev_.list.size(), 0u);
	EXPECT_EQ(dev_.registrations, 0);
}

} /* namespace */
} /* namespace softvfio::dmabuf::test */
