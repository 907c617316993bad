/* SPDX-License-Identifier: MIT */
/*
 * The client's mm table on its own, with this process playing the kernel
 * too: an object (a memfd of `length` bytes), the kernel's empty memfd, a
 * table and the room a Reserve would have given, PROT_NONE. The ops are
 * written here as a kernel would send them (mm_op()).
 */
#pragma once

#include <csignal>
#include <gtest/gtest.h>
#include <initializer_list>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "session/client/mm_table.h"

namespace softvfio::test {

inline session::wire::MmOp mm_op(session::wire::MmOpKind kind, uint64_t vma, uint32_t flags)
{
	session::wire::MmOp o{};
	o.kind = static_cast<uint32_t>(kind);
	o.vma = vma;
	o.flags = flags;
	return o;
}

class MmTableFixture : public ::testing::Test
{
protected:
	explicit MmTableFixture(size_t length) : length_(length) {}

	void SetUp() override
	{
		object_ = ::memfd_create("mm-table-test-object", MFD_CLOEXEC);
		empty_ = ::memfd_create("mm-table-test-empty", MFD_CLOEXEC);
		ASSERT_GE(object_, 0);
		ASSERT_GE(empty_, 0);
		ASSERT_EQ(::ftruncate(object_, static_cast<off_t>(length_)), 0);
		struct stat st;
		ASSERT_EQ(::fstat(object_, &st), 0);
		ino_ = static_cast<uint64_t>(st.st_ino);
		ASSERT_EQ(table_.init(::getpid(), empty_, SIGRTMIN + 3), 0);
		void *p = ::mmap(nullptr, length_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(p, MAP_FAILED);
		addr_ = reinterpret_cast<uintptr_t>(p);
	}

	void TearDown() override
	{
		if (addr_)
			::munmap(reinterpret_cast<void *>(addr_), length_);
		::close(object_);
		::close(empty_);
	}

	/* Apply ops as a reply (Guard held, as the client does). */
	int apply(std::initializer_list<session::wire::MmOp> ops)
	{
		std::vector<session::wire::MmOp> v(ops);
		session::MmTable::Guard guard(table_);
		return table_.apply(v.data(), v.size());
	}

	const size_t length_;
	int object_ = -1, empty_ = -1;
	uint64_t ino_ = 0;
	uintptr_t addr_ = 0;
	session::MmTable table_;
};

} /* namespace softvfio::test */
