/* SPDX-License-Identifier: MIT */
/*
 * The mm table's questions about register VMAs that a system call's
 * buffer asks (the shim's bounce, docs/trap.md): whether the process has
 * any, whether a range overlaps a live one, and where a copy needing some
 * protection is bound to stop. As in mm_table_test.cc, this process plays
 * the kernel and writes the ops itself.
 */
#include <csignal>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session/mm_table_fixture.h"

namespace softvfio::test {
namespace {

using session::MmTable;
using session::wire::MmOp;
using session::wire::MmOpKind;
namespace wire = session::wire;

constexpr size_t kPage = 4096;
constexpr size_t kLength = 4 * kPage;

class MmTableRegistersTest : public MmTableFixture
{
protected:
	MmTableRegistersTest() : MmTableFixture(kLength) {}

	void TearDown() override
	{
		{
			/* Every VMA leaves, so the process-wide count is back. */
			MmOp u = mm_op(MmOpKind::Unmap, 0, 0);
			u.f[0] = addr_;
			u.f[1] = addr_ + kLength;
			apply({u});
		}
		EXPECT_EQ(MmTable::any_registers(), had_registers_);
		MmTableFixture::TearDown();
	}

	/* VMA `id` over pages [first, first + pages) of the room and the
	 * object. */
	int create(uint64_t id, size_t first, size_t pages, bool registers, bool live, int prot)
	{
		MmOp c = mm_op(MmOpKind::Create, id, (live ? wire::kLive : 0) | (registers ? wire::kRegisters : 0));
		c.f[0] = addr_ + first * kPage;
		c.f[1] = addr_ + (first + pages) * kPage;
		c.f[2] = 1;
		c.f[3] = 1;
		c.f[4] = static_cast<uint64_t>(prot);
		MmOp r = mm_op(MmOpKind::Run, id, static_cast<uint32_t>(object_));
		r.f[1] = pages * kPage;
		r.f[2] = first * kPage;
		r.f[3] = ino_;
		r.f[4] = 0;
		r.f[5] = kLength;
		return apply({c, r});
	}

	uintptr_t page(size_t i) const { return addr_ + i * kPage; }

	bool touches(uintptr_t addr, size_t length)
	{
		MmTable::Guard guard(table_);
		return table_.touches_live_registers(addr, length);
	}

	uintptr_t barrier(uintptr_t addr, size_t length, int prot)
	{
		MmTable::Guard guard(table_);
		return table_.register_barrier(addr, length, prot);
	}

	const bool had_registers_ = MmTable::any_registers();
};

TEST_F(MmTableRegistersTest, TheProcessHasRegistersWhileARegisterVmaIsInATable)
{
	ASSERT_FALSE(had_registers_);
	ASSERT_EQ(create(1, 0, 1, false, true, PROT_READ | PROT_WRITE), 0);
	EXPECT_FALSE(MmTable::any_registers());
	ASSERT_EQ(create(2, 1, 2, true, true, PROT_READ | PROT_WRITE), 0);
	EXPECT_TRUE(MmTable::any_registers());
	/* Split in two, one unmapped: the other still counts. */
	MmOp s = mm_op(MmOpKind::Split, 2, wire::kLive);
	s.f[0] = page(2);
	s.f[1] = 3;
	s.f[2] = 1;
	MmOp u = mm_op(MmOpKind::Unmap, 0, 0);
	u.f[0] = page(1);
	u.f[1] = page(2);
	ASSERT_EQ(apply({s, u}), 0);
	EXPECT_TRUE(MmTable::any_registers());
	u.f[0] = page(2);
	u.f[1] = page(3);
	ASSERT_EQ(apply({u}), 0);
	EXPECT_FALSE(MmTable::any_registers());
}

TEST_F(MmTableRegistersTest, OnlyALiveRegisterVmaIsTouched)
{
	ASSERT_EQ(create(1, 0, 1, false, true, PROT_READ | PROT_WRITE), 0);
	ASSERT_EQ(create(2, 1, 1, true, true, PROT_READ | PROT_WRITE), 0);
	ASSERT_EQ(create(3, 2, 1, true, false, PROT_READ | PROT_WRITE), 0);
	EXPECT_FALSE(touches(page(0), kPage));              /* RAM */
	EXPECT_TRUE(touches(page(1) - 1, 2));               /* RAM into registers */
	EXPECT_TRUE(touches(page(1) + 8, 4));
	EXPECT_FALSE(touches(page(2), kPage));              /* revoked */
	EXPECT_FALSE(touches(page(3), kPage));              /* not in the table */
	EXPECT_FALSE(touches(page(1), 0));
}

TEST_F(MmTableRegistersTest, ACopyStopsAtARegisterVmaItsAccessesCannotUse)
{
	ASSERT_EQ(create(1, 0, 1, true, true, PROT_READ | PROT_WRITE), 0);
	ASSERT_EQ(create(2, 1, 1, true, true, PROT_READ), 0);
	ASSERT_EQ(create(3, 2, 1, true, false, PROT_READ | PROT_WRITE), 0);
	EXPECT_EQ(barrier(page(0), kLength, PROT_READ | PROT_WRITE), page(1));   /* stores: read-only */
	EXPECT_EQ(barrier(page(0), kLength, PROT_READ), page(2));                /* loads: revoked */
	EXPECT_EQ(barrier(page(1) + 4, 8, PROT_READ | PROT_WRITE), page(1) + 4); /* from the start */
	EXPECT_EQ(barrier(page(0), 16, PROT_READ | PROT_WRITE), page(0) + 16);   /* none: the end */
	EXPECT_EQ(barrier(page(3), kPage, PROT_READ | PROT_WRITE), page(4));     /* not registers */
	MmTable::Guard guard(table_);
	EXPECT_EQ(table_.next_registers(page(3), page(4)), page(4));
	EXPECT_EQ(table_.next_registers(page(0) + 1, page(4)), page(1));
}

} /* namespace */
} /* namespace softvfio::test */
