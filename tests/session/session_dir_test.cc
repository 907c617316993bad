/* SPDX-License-Identifier: MIT */
/*
 * Session directories: what a session leaves when every process of it was
 * killed (the kernel and its watchdog too) is removed by the next session
 * made, by name; a live session's, and one still being set up, are kept.
 */
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "session/session_dir.h"

namespace softvfio::test {
namespace {

namespace fs = std::filesystem;

/* A runtime directory of the test's own ($XDG_RUNTIME_DIR while it runs). */
class SessionDirTest : public ::testing::Test
{
protected:
	void SetUp() override
	{
		char tmpl[] = "/tmp/softvfio-dirtest-XXXXXX";
		ASSERT_NE(::mkdtemp(tmpl), nullptr);
		runtime_ = tmpl;
		if (const char *old = std::getenv("XDG_RUNTIME_DIR"))
			saved_ = old;
		::setenv("XDG_RUNTIME_DIR", runtime_.c_str(), 1);
		user_ = runtime_ + "/softvfio-" + std::to_string(::getuid());
		ASSERT_EQ(::mkdir(user_.c_str(), 0700), 0);
	}
	void TearDown() override
	{
		if (saved_.empty())
			::unsetenv("XDG_RUNTIME_DIR");
		else
			::setenv("XDG_RUNTIME_DIR", saved_.c_str(), 1);
		std::error_code ec;
		fs::remove_all(runtime_, ec);
	}

	/* A directory left as a session leaves it: a socket path, a sysfs
	 * view, and a kernel file naming `pid` started at `started`. */
	std::string leftover(const std::string &name, const std::string &kernel_line)
	{
		const std::string path = user_ + "/" + name;
		fs::create_directories(path + "/sys/bus/pci/devices");
		std::ofstream(path + "/sock") << "";
		if (!kernel_line.empty())
			std::ofstream(path + "/kernel") << kernel_line << "\n";
		return path;
	}

	std::string runtime_, user_, saved_;
};

TEST_F(SessionDirTest, ADeadSessionsDirectoryIsRemovedByTheNextSession)
{
	/* No process has this pid (above pid_max). */
	const std::string dead = leftover("s1-dead", "4194305 12345");
	auto made = session::create_session_dir();
	ASSERT_TRUE(made);
	EXPECT_FALSE(fs::exists(dead));
	EXPECT_TRUE(fs::exists(made->path + "/sock"));
	session::remove_session_dir(made->path);
}

TEST_F(SessionDirTest, AKernelPidNowAnotherProcessIsDead)
{
	/* Our own pid, but not our start time: the kernel it named is gone. */
	const std::string reused = leftover("s2-reused", std::to_string(::getpid()) + " 1");
	EXPECT_EQ(session::reap_dead_sessions(), 1u);
	EXPECT_FALSE(fs::exists(reused));
}

TEST_F(SessionDirTest, ALiveSessionIsKept)
{
	const std::string live = leftover("s3-live", "");
	ASSERT_TRUE(session::claim_session_dir(live, ::getpid()));
	EXPECT_TRUE(session::session_alive(live));
	EXPECT_EQ(session::reap_dead_sessions(), 0u);
	EXPECT_TRUE(fs::exists(live + "/sys"));
}

TEST_F(SessionDirTest, ADirectoryBeingSetUpIsKept)
{
	/* No kernel file yet, and just made. */
	const std::string young = leftover("s4-young", "");
	EXPECT_EQ(session::reap_dead_sessions(), 0u);
	EXPECT_TRUE(fs::exists(young));
}

} /* namespace */
} /* namespace softvfio::test */
