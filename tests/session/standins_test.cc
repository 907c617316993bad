/* SPDX-License-Identifier: MIT */
/*
 * StandinTable::settle(): a stand-in whose last copy is closed is released
 * when settle() returns, whether or not the event loop has come to its
 * hang-up, and a release the event loop queued is taken over rather than
 * left to the session's worker. No event loop runs here: nobody waits on
 * the epoll set, so only settle() can see the hang-ups.
 */
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "session/standins.h"
#include "vfs/file.h"

namespace softvfio::test {
namespace {

class Dummy : public vfs::File
{
public:
	Dummy() : File(vfs::FileKind::DmaBuf, O_RDWR) {}
};

class StandinSettleTest : public ::testing::Test
{
protected:
	void SetUp() override
	{
		ASSERT_TRUE(epoll_);
		table_ = std::make_unique<session::StandinTable>(epoll_.get(), "settle-test-" + std::to_string(::getpid()));
	}

	struct Standin {
		UniqueFD end;                 /* the process's */
		int peer;                     /* the kernel's, in the table */
		std::weak_ptr<vfs::File> file;
	};
	/* A stand-in of a new file. */
	Standin standin()
	{
		int sv[2];
		EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		EXPECT_TRUE(table_->name(sv[1]));
		auto file = std::make_shared<Dummy>();
		std::weak_ptr<vfs::File> weak = file;
		EXPECT_TRUE(table_->add(UniqueFD(sv[1]), std::move(file)));
		return {UniqueFD(sv[0]), sv[1], weak};
	}

	UniqueFD epoll_{::epoll_create1(EPOLL_CLOEXEC)};
	std::unique_ptr<session::StandinTable> table_;
};

TEST_F(StandinSettleTest, AHangUpNobodySawIsReleasedBySettle)
{
	[[maybe_unused]] auto [end, peer, file] = standin();
	end.reset();
	EXPECT_FALSE(file.expired()) << "only the hang-up tells";
	table_->settle();
	EXPECT_TRUE(file.expired());
	EXPECT_EQ(table_->size(), 0u);
}

TEST_F(StandinSettleTest, AStandinStillOpenIsLeftAlone)
{
	[[maybe_unused]] auto [end, peer, file] = standin();
	table_->settle();
	EXPECT_FALSE(file.expired());
	EXPECT_EQ(table_->size(), 1u);
}

TEST_F(StandinSettleTest, AReleaseTheEventLoopQueuedIsTakenOverNotWaitedFor)
{
	auto [end, peer, file] = standin();
	end.reset();
	/* What the event loop got, and would hand to the session's worker. */
	std::shared_ptr<vfs::File> queued = table_->event(peer, EPOLLIN | EPOLLHUP);
	ASSERT_TRUE(queued);
	EXPECT_FALSE(file.expired());
	table_->settle();
	EXPECT_TRUE(file.expired()) << "the release ran in settle(), not left to the worker";
	queued.reset();
}

} /* namespace */
} /* namespace softvfio::test */
