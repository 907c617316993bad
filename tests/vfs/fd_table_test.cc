/* SPDX-License-Identifier: MIT */
#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "base/memfd.h"
#include "vfs/fd_table.h"
#include "vfs/open_files.h"

namespace softvfio::vfs {
namespace {

class Dummy : public File
{
public:
	explicit Dummy(bool *released) : File(FileKind::DmaBuf, O_RDWR), released_(released) {}
	~Dummy() override { *released_ = true; }

private:
	bool *released_;
};

int install_dummy(FdTable &table, bool *released)
{
	auto standin = create_memfd("test");
	EXPECT_TRUE(standin);
	auto fd = table.install(std::make_shared<Dummy>(released), std::move(*standin));
	EXPECT_TRUE(fd);
	return *fd;
}

/* Issue 16: the identity table grew with every file ever installed. It
 * may keep the identities of files already closed, but only a bounded
 * number of them: counted, not timed. */
TEST(FdTable, IdentityTableStaysBoundedOverManyFiles)
{
	FdTable table;
	bool released = false;
	std::vector<int> kept;
	for (int i = 0; i < 10; i++)
		kept.push_back(install_dummy(table, &released));
	size_t most = 0;
	for (int i = 0; i < 100000; i++) {
		auto standin = create_memfd("cycle");
		ASSERT_TRUE(standin);
		auto fd = table.install(std::make_shared<Dummy>(&released), std::move(*standin));
		ASSERT_TRUE(fd);
		ASSERT_TRUE(table.close(*fd));
		most = std::max(most, table.open_files().size());
	}
	/* Ten live files: the table is pruned when it doubles, from 64 on. */
	EXPECT_LE(most, 64u);
	EXPECT_EQ(table.open_files().files().size(), kept.size());
}

TEST(FdTable, InstallAndLookup)
{
	FdTable table;
	bool released = false;
	int fd = install_dummy(table, &released);
	auto file = table.get(fd);
	ASSERT_TRUE(file);
	ASSERT_NE(*file, nullptr);
	EXPECT_EQ((*file)->kind(), FileKind::DmaBuf);
}

TEST(FdTable, CloseReleasesLastReference)
{
	FdTable table;
	bool released = false;
	int fd = install_dummy(table, &released);
	ASSERT_TRUE(table.close(fd));
	EXPECT_TRUE(released);
	EXPECT_EQ(table.close(fd).error(), EBADF);
}

TEST(FdTable, DupSharesTheFile)
{
	FdTable table;
	bool released = false;
	int fd = install_dummy(table, &released);
	auto dupfd = table.dup(fd, 0, true);
	ASSERT_TRUE(dupfd);
	EXPECT_EQ(table.get(fd)->get(), table.get(*dupfd)->get());
	ASSERT_TRUE(table.close(fd));
	EXPECT_FALSE(released);
	ASSERT_TRUE(table.close(*dupfd));
	EXPECT_TRUE(released);
}

TEST(FdTable, UnknownDupResolvesByIdentity)
{
	FdTable table;
	bool released = false;
	int fd = install_dummy(table, &released);
	int raw = ::dup(fd); /* behind the table's back */
	{
		auto file = table.get(raw);
		ASSERT_TRUE(file);
		EXPECT_EQ(*file, *table.get(fd));
	}
	ASSERT_TRUE(table.close(raw));
	ASSERT_TRUE(table.close(fd));
	EXPECT_TRUE(released);
}

TEST(FdTable, ForeignAndBadFds)
{
	FdTable table;
	auto foreign = table.get(0);
	ASSERT_TRUE(foreign);
	EXPECT_EQ(*foreign, nullptr);
	EXPECT_EQ(table.get(-1).error(), EBADF);
	EXPECT_EQ(table.get(99999).error(), EBADF);
}

TEST(FdTable, VerifiedLookupIgnoresReusedNumber)
{
	FdTable table(FdTable::Options{.verify_identity = true});
	bool released = false;
	int fd = install_dummy(table, &released);
	::close(fd); /* behind the table's back */
	int reused = ::open("/dev/null", O_RDONLY);
	ASSERT_EQ(reused, fd);
	auto file = table.get(fd);
	ASSERT_TRUE(file);
	EXPECT_EQ(*file, nullptr);
	EXPECT_TRUE(released);
	::close(reused);
}

TEST(FdTable, Dup3ReplacesTarget)
{
	FdTable table;
	bool a = false, b = false;
	int fa = install_dummy(table, &a);
	int fb = install_dummy(table, &b);
	ASSERT_TRUE(table.dup3(fa, fb, O_CLOEXEC));
	EXPECT_TRUE(b);
	EXPECT_EQ(*table.get(fa), *table.get(fb));
	EXPECT_EQ(table.dup3(fa, fb, 0x4).error(), EINVAL);
	ASSERT_TRUE(table.close(fa));
	ASSERT_TRUE(table.close(fb));
	EXPECT_TRUE(a);
}

/* This process's fds, with entries that do not hold their files (as for
 * a process the session kernel serves: a file lives as long as its
 * stand-ins, held elsewhere). */
class BorrowingSpace : public FdSpace
{
public:
	Result<std::unique_ptr<Standin>> reserve(const StandinSpec &spec) override { return local_->reserve(spec); }
	Result<FileIdentity> commit(Standin &standin, const std::shared_ptr<File> &file) override
	{
		return local_->commit(standin, file);
	}
	Result<FileIdentity> identity(int fd) override { return local_->identity(fd); }
	bool entries_hold_files() const override { return false; }
	Result<void> close(int fd) override { return local_->close(fd); }
	Result<int> dup(int fd, int min_fd, bool cloexec) override { return local_->dup(fd, min_fd, cloexec); }
	Result<int> dup3(int oldfd, int newfd, int flags) override { return local_->dup3(oldfd, newfd, flags); }

private:
	std::shared_ptr<FdSpace> local_ = local_fd_space();
};

/* The file was let go of elsewhere (its release may be running on another
 * thread): forgetting its number still says which file it stood for, so
 * whoever closed the number can wait for that release. */
TEST(FdTable, ForgetEntryNamesAFileReleasedElsewhere)
{
	FdTable table(std::make_shared<BorrowingSpace>(), std::make_shared<OpenFiles>());
	bool released = false;
	auto file = std::make_shared<Dummy>(&released);
	const File *raw = file.get();
	auto standin = create_memfd("test");
	ASSERT_TRUE(standin);
	auto fd = table.install(file, std::move(*standin));
	ASSERT_TRUE(fd);
	file.reset();
	EXPECT_TRUE(released);
	auto gone = table.forget_entry(*fd);
	EXPECT_EQ(gone.file, nullptr);
	EXPECT_EQ(gone.was, raw);
	EXPECT_EQ(table.forget_entry(*fd).was, nullptr);
	::close(*fd);
}

TEST(FdTable, ForgetClosedRangeNamesLiveAndReleasedFiles)
{
	FdTable table(std::make_shared<BorrowingSpace>(), std::make_shared<OpenFiles>());
	bool a = false, b = false;
	auto live = std::make_shared<Dummy>(&a);
	auto gone = std::make_shared<Dummy>(&b);
	const File *gone_raw = gone.get();
	auto sa = create_memfd("a"), sb = create_memfd("b");
	ASSERT_TRUE(sa && sb);
	auto fa = table.install(live, std::move(*sa));
	auto fb = table.install(gone, std::move(*sb));
	ASSERT_TRUE(fa && fb);
	gone.reset();
	auto out = table.forget_closed_range(0, ~0U);
	ASSERT_EQ(out.size(), 2u);
	for (auto &f : out) {
		if (f.was == live.get())
			EXPECT_EQ(f.file, live);
		else
			EXPECT_TRUE(f.was == gone_raw && !f.file);
	}
	EXPECT_TRUE(table.forget_closed_range(0, ~0U).empty());
	::close(*fa);
	::close(*fb);
}

} /* namespace */
} /* namespace softvfio::vfs */
