/* SPDX-License-Identifier: MIT */
/*
 * ReadAheadHost (session/read_ahead_host.h): one read of the caller's
 * memory for an ioctl's pieces, the same bytes and the same EFAULT as
 * reading each piece.
 */
#include <gtest/gtest.h>

#include <cstring>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "session/read_ahead_host.h"

namespace softvfio::test {
namespace {

using session::ReadAheadHost;

/* This process's memory as another process's is read (process_vm_readv:
 * EFAULT for what is not mapped), counting the reads. */
class CountingHost final : public HostProcess
{
public:
	bool is_self() const override { return false; }
	pid_t pid() const override { return ::getpid(); }
	Result<void> read_memory(void *dst, uintptr_t src, size_t n) override
	{
		reads++;
		struct iovec l{dst, n}, r{reinterpret_cast<void *>(src), n};
		return ::process_vm_readv(::getpid(), &l, 1, &r, 1, 0) == static_cast<ssize_t>(n) ? Result<void>{}
												     : err(EFAULT);
	}
	Result<void> write_memory(uintptr_t dst, const void *src, size_t n) override
	{
		writes++;
		struct iovec l{const_cast<void *>(src), n}, r{reinterpret_cast<void *>(dst), n};
		return ::process_vm_writev(::getpid(), &l, 1, &r, 1, 0) == static_cast<ssize_t>(n) ? Result<void>{}
												      : err(EFAULT);
	}
	Result<UniqueFD> take_fd(int) override { return err(EBADF); }
	Result<FileIdentity> fd_identity(int) override { return err(EBADF); }
	Result<std::string> fd_link(int) override { return err(EBADF); }
	std::string proc_file(std::string_view) const override { return {}; }

	int reads = 0;
	int writes = 0;
};

/* Two pages: the first readable, the second not. */
class ReadAhead : public ::testing::Test
{
protected:
	void SetUp() override
	{
		void *p = ::mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(p, MAP_FAILED);
		pages_ = static_cast<unsigned char *>(p);
		for (int i = 0; i < 4096; i++)
			pages_[i] = static_cast<unsigned char>(i * 7);
		ASSERT_EQ(::mprotect(pages_ + 4096, 4096, PROT_NONE), 0);
	}
	void TearDown() override { ::munmap(pages_, 8192); }
	uintptr_t at(size_t offset) const { return reinterpret_cast<uintptr_t>(pages_ + offset); }

	unsigned char *pages_ = nullptr;
	std::shared_ptr<CountingHost> inner_ = std::make_shared<CountingHost>();
};

TEST_F(ReadAhead, PiecesOfOneArgumentCostOneRead)
{
	ReadAheadHost host(*inner_);
	unsigned char a[8], b[16], c[16];
	ASSERT_TRUE(host.read_memory(a, at(100), sizeof(a)));
	ASSERT_TRUE(host.read_memory(b, at(108), sizeof(b)));
	ASSERT_TRUE(host.read_memory(c, at(124), sizeof(c)));
	EXPECT_EQ(inner_->reads, 1);
	EXPECT_EQ(std::memcmp(a, pages_ + 100, sizeof(a)), 0);
	EXPECT_EQ(std::memcmp(b, pages_ + 108, sizeof(b)), 0);
	EXPECT_EQ(std::memcmp(c, pages_ + 124, sizeof(c)), 0);
}

TEST_F(ReadAhead, AReadOutsideTheWindowReadsAgain)
{
	ReadAheadHost host(*inner_);
	unsigned char a[8];
	ASSERT_TRUE(host.read_memory(a, at(100), sizeof(a)));
	ASSERT_TRUE(host.read_memory(a, at(100 + ReadAheadHost::kWindow), sizeof(a)));
	EXPECT_EQ(inner_->reads, 2);
	EXPECT_EQ(std::memcmp(a, pages_ + 100 + ReadAheadHost::kWindow, sizeof(a)), 0);
}

/* The window ends at the page's end, so a good read next to a hole stays
 * good, and a read into the hole is EFAULT as it would be alone. */
TEST_F(ReadAhead, NoReadAheadIntoTheNextPage)
{
	ReadAheadHost host(*inner_);
	unsigned char a[8];
	ASSERT_TRUE(host.read_memory(a, at(4096 - 8), sizeof(a)));
	EXPECT_EQ(std::memcmp(a, pages_ + 4096 - 8, sizeof(a)), 0);
	auto r = host.read_memory(a, at(4096 - 4), sizeof(a));
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error(), EFAULT);
	r = host.read_memory(a, at(4096 + 8), sizeof(a));
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error(), EFAULT);
}

TEST_F(ReadAhead, TheCallReadsBackWhatItWrote)
{
	ReadAheadHost host(*inner_);
	unsigned char a[16];
	ASSERT_TRUE(host.read_memory(a, at(200), sizeof(a)));
	const uint32_t v = 0xfeedf00d;
	ASSERT_TRUE(host.write_memory(at(204), &v, sizeof(v)));
	EXPECT_EQ(inner_->writes, 1);
	uint32_t back = 0;
	ASSERT_TRUE(host.read_memory(&back, at(204), sizeof(back)));
	EXPECT_EQ(back, v);
	EXPECT_EQ(std::memcmp(pages_ + 204, &v, sizeof(v)), 0);
	EXPECT_EQ(inner_->reads, 1);
}

TEST_F(ReadAhead, AReferenceKeptBeyondTheCallIsTheProcesssOwn)
{
	ReadAheadHost host(*inner_);
	EXPECT_EQ(host.lasting_ref().get(), inner_.get());
}

} /* namespace */
} /* namespace softvfio::test */
