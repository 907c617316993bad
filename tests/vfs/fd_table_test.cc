/* SPDX-License-Identifier: MIT */
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/memfd.h"
#include "vfs/fd_table.h"

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

} /* namespace */
} /* namespace softvfio::vfs */
