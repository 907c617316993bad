/* SPDX-License-Identifier: MIT */
/*
 * The client's mm table on its own: this process plays the kernel too (the
 * table reaches the kernel's objects as /proc/<kernel>/fd/<n>, and that
 * works on oneself), and the ops are written here as a kernel would send
 * them. Above all: a state change that reaches the process before the VMA
 * it names (early_states.h).
 */
#include <csignal>
#include <cstring>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session/mm_table_fixture.h"
#include "support/guarded_access.h"

namespace softvfio::test {
namespace {

using session::EarlyStates;
using session::MmTable;
using session::wire::MmOp;
using session::wire::MmOpKind;
namespace wire = session::wire;

constexpr size_t kLength = 2 * 4096;
constexpr uint32_t kMarker = 0x5eed1e55;

class MmTableTest : public MmTableFixture
{
protected:
	MmTableTest() : MmTableFixture(kLength) {}

	void SetUp() override
	{
		MmTableFixture::SetUp();
		ASSERT_EQ(::pwrite(object_, &kMarker, sizeof(kMarker), 0), static_cast<ssize_t>(sizeof(kMarker)));
	}

	/* The kernel's Create of VMA `id` over the whole object, and its Run. */
	int create(uint64_t id, bool live, uint64_t seq)
	{
		MmOp c = mm_op(MmOpKind::Create, id, live ? wire::kLive : 0);
		c.f[0] = addr_;
		c.f[1] = addr_ + kLength;
		c.f[2] = seq;
		c.f[3] = 1;
		c.f[4] = PROT_READ;
		MmOp r = mm_op(MmOpKind::Run, id, static_cast<uint32_t>(object_));
		r.f[1] = kLength;
		r.f[3] = ino_;
		r.f[5] = kLength;
		return apply({c, r});
	}

	MmOp state(uint64_t id, bool live, uint64_t seq)
	{
		MmOp s = mm_op(MmOpKind::State, id, live ? wire::kLive : 0);
		s.f[0] = seq;
		return s;
	}

	/* A read at the VMA's start: the object's data, or SIGBUS. */
	bool readable(size_t offset = 0)
	{
		Access a = guarded_read(reinterpret_cast<const void *>(addr_ + offset));
		if (!a.faulted)
			EXPECT_EQ(a.value, offset ? 0u : kMarker);
		else
			EXPECT_EQ(a.signo, SIGBUS);
		return !a.faulted;
	}

};

TEST_F(MmTableTest, ACreatedVmaIsLaidAsItsStateSays)
{
	ASSERT_EQ(create(7, true, 0), 0);
	EXPECT_TRUE(readable());
	ASSERT_EQ(apply({state(7, false, 1)}), 0);
	EXPECT_FALSE(readable());
	ASSERT_EQ(apply({state(7, true, 2)}), 0);
	EXPECT_TRUE(readable());
}

/* An address past a VMA's end is not in it, whatever lies beyond: the
 * register trap asks which VMA holds a fault, and the answer once was the
 * first VMA starting below the address (its end minus the address
 * wrapped around). */
TEST_F(MmTableTest, AVmaHoldsOnlyItsOwnAddresses)
{
	ASSERT_EQ(create(7, true, 0), 0);
	MmTable::Guard guard(table_);
	EXPECT_NE(table_.vma_holding(addr_, kLength), nullptr);
	EXPECT_NE(table_.vma_holding(addr_ + kLength - 1, 1), nullptr);
	EXPECT_EQ(table_.vma_holding(addr_ + kLength - 1, 2), nullptr);
	EXPECT_EQ(table_.vma_holding(addr_ + kLength, 1), nullptr);
	EXPECT_EQ(table_.vma_holding(addr_ + 16 * kLength, 1), nullptr);
	EXPECT_EQ(table_.vma_holding(addr_ - 1, 1), nullptr);
}

TEST_F(MmTableTest, AnOlderStateDoesNotUndoANewerOne)
{
	ASSERT_EQ(create(7, true, 0), 0);
	ASSERT_EQ(apply({state(7, false, 3)}), 0);
	ASSERT_EQ(apply({state(7, true, 2)}), 0);
	EXPECT_FALSE(readable());
}

/* The race the chaos test found: a memory disable zapped the VMA of a
 * running mmap and was applied before that mmap's reply. */
TEST_F(MmTableTest, AZapThatComesBeforeItsVmaRevokesItWhenItIsLaid)
{
	table_.early().begin(0);
	ASSERT_EQ(apply({state(7, false, 1)}), 0);
	EXPECT_EQ(table_.early().size(), 1u);
	ASSERT_EQ(create(7, true, 0), 0);
	table_.early().end(0);
	EXPECT_FALSE(readable());
	EXPECT_EQ(table_.early().size(), 0u);
	ASSERT_EQ(table_.vma_count(), 1u);
	EXPECT_FALSE(table_.vma(0).live);
	EXPECT_EQ(table_.vma(0).seq, 1u);
}

TEST_F(MmTableTest, AnEarlyChangeOlderThanTheCreateIsIgnored)
{
	table_.early().begin(0);
	ASSERT_EQ(apply({state(7, false, 1)}), 0);
	ASSERT_EQ(create(7, true, 2), 0);
	table_.early().end(0);
	EXPECT_TRUE(readable());
}

TEST_F(MmTableTest, TheNewestOfSeveralEarlyChangesWins)
{
	table_.early().begin(3);
	ASSERT_EQ(apply({state(7, false, 1), state(7, false, 3), state(7, true, 2)}), 0);
	EXPECT_EQ(table_.early().size(), 1u);
	ASSERT_EQ(create(7, true, 0), 0);
	table_.early().end(3);
	EXPECT_FALSE(readable());
}

/* With no call running, nothing can make the VMA any more: it was
 * unmapped, and the change must not wait for a VMA that may reuse the id's
 * memory. */
TEST_F(MmTableTest, AChangeForAnUnknownVmaWithNoCallRunningIsDropped)
{
	ASSERT_EQ(apply({state(7, false, 1)}), 0);
	EXPECT_EQ(table_.early().size(), 0u);
	ASSERT_EQ(create(7, true, 0), 0);
	EXPECT_TRUE(readable());
}

TEST_F(MmTableTest, AnEarlyChangeIsDroppedOnceTheCallsThatMayClaimItEnd)
{
	table_.early().begin(1);
	ASSERT_EQ(apply({state(9, false, 1)}), 0);
	EXPECT_EQ(table_.early().size(), 1u);
	/* A call that began after the change cannot have made its VMA. */
	table_.early().begin(2);
	table_.early().end(1);
	ASSERT_EQ(apply({}), 0);
	EXPECT_EQ(table_.early().size(), 0u);
	table_.early().end(2);
}

TEST_F(MmTableTest, AForkedChildForgetsTheParentsCalls)
{
	table_.early().begin(1);
	ASSERT_EQ(apply({state(9, false, 1)}), 0);
	table_.early().forget();
	EXPECT_EQ(table_.early().size(), 0u);
	ASSERT_EQ(apply({state(9, false, 2)}), 0);
	EXPECT_EQ(table_.early().size(), 0u);
}

/* A split's tail is new to the table too: a change for it that came first
 * holds when the split is applied. */
TEST_F(MmTableTest, AnEarlyChangeForASplitTailHoldsWhenTheSplitIsApplied)
{
	ASSERT_EQ(create(7, true, 0), 0);
	table_.early().begin(0);
	ASSERT_EQ(apply({state(8, false, 1)}), 0);
	MmOp split = mm_op(MmOpKind::Split, 7, wire::kLive);
	split.f[0] = addr_ + 4096;
	split.f[1] = 8;
	split.f[2] = 0;
	ASSERT_EQ(apply({split}), 0);
	table_.early().end(0);
	EXPECT_TRUE(readable(0));
	EXPECT_FALSE(readable(4096));
}

/* The mailbox path: work entries about a VMA whose Create is still to
 * come, applied by the handler (or a waiting call) first. */
TEST_F(MmTableTest, AWorkEntryBeforeItsVmaIsKeptToo)
{
	auto header = std::make_unique<wire::Header>();
	std::memset(static_cast<void *>(header.get()), 0, sizeof(wire::Header));
	header->work[0] = wire::WorkEntry{static_cast<uint32_t>(wire::WorkKind::State), 0, 7, 1, 0};
	header->posted.store(1);
	EXPECT_TRUE(MmTable::work_pending(*header));
	table_.early().begin(0);
	table_.apply_work(*header);
	EXPECT_FALSE(MmTable::work_pending(*header));
	ASSERT_EQ(create(7, true, 0), 0);
	table_.early().end(0);
	EXPECT_FALSE(readable());
}

} /* namespace */
} /* namespace softvfio::test */
