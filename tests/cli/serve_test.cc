/* SPDX-License-Identifier: MIT */
/*
 * `softvfio serve` and the sessions of `softvfio run`, as far as they go
 * without a program joining (which needs the shim: session_e2e_test.cc):
 * a session starts, is announced, is found by `run` through
 * SOFTVFIO_SESSION, and ends (stopped, or with its founder) leaving no
 * directory behind.
 */
#include <cerrno>
#include <csignal>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "spawn.h"

using nlohmann::json;
using softvfio::test::Child;
using softvfio::test::read_line;
using softvfio::test::run;
using softvfio::test::spawn;

namespace {

constexpr const char *kPrefix = "SOFTVFIO_SESSION=";

bool exists(const std::string &path)
{
	struct stat st;
	return ::stat(path.c_str(), &st) == 0;
}

/* The kernel's pid from <dir>/kernel. */
pid_t kernel_of(const std::string &dir)
{
	FILE *f = std::fopen((dir + "/kernel").c_str(), "re");
	int pid = -1;
	if (f) {
		if (std::fscanf(f, "%d", &pid) != 1)
			pid = -1;
		std::fclose(f);
	}
	return pid;
}

/* Wait until `pid` (not necessarily our child) is gone; the timeout only
 * keeps a broken kernel from hanging the test. */
bool wait_gone(pid_t pid)
{
	int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
	if (fd < 0)
		return errno == ESRCH;
	struct pollfd p{fd, POLLIN, 0};
	int n = ::poll(&p, 1, 20000);
	::close(fd);
	return n == 1;
}

/* `softvfio serve` in the foreground, announced. */
class ServeTest : public ::testing::Test
{
protected:
	void start(std::vector<std::string> args = {})
	{
		std::vector<std::string> argv{SOFTVFIO_BINARY, "serve"};
		argv.insert(argv.end(), args.begin(), args.end());
		serve_ = spawn(argv);
		ASSERT_GT(serve_.pid, 0);
		std::string line = read_line(serve_.out);
		ASSERT_EQ(line.rfind(kPrefix, 0), 0u) << line;
		dir_ = line.substr(std::string(kPrefix).size());
	}

	int stop()
	{
		auto o = run({SOFTVFIO_BINARY, "serve", "--stop", dir_});
		EXPECT_EQ(o.status, 0) << o.err;
		int status = softvfio::test::wait_exit(serve_.pid);
		serve_.pid = -1;
		return status;
	}

	void TearDown() override
	{
		if (serve_.pid > 0) {
			::kill(serve_.pid, SIGKILL);
			softvfio::test::wait_exit(serve_.pid);
		}
		if (serve_.in >= 0)
			::close(serve_.in);
		if (serve_.out >= 0)
			::close(serve_.out);
	}

	Child serve_;
	std::string dir_;
};

TEST_F(ServeTest, AnnouncesItsSessionAndEndsOnStop)
{
	start();
	EXPECT_TRUE(exists(dir_ + "/sock"));
	/* In the foreground, serve is the session kernel. */
	EXPECT_EQ(kernel_of(dir_), serve_.pid);
	EXPECT_EQ(stop(), 0);
	EXPECT_FALSE(exists(dir_));
}

TEST_F(ServeTest, EndsCleanlyOnSigint)
{
	start();
	ASSERT_EQ(::kill(serve_.pid, SIGINT), 0);
	EXPECT_EQ(softvfio::test::wait_exit(serve_.pid), 0);
	serve_.pid = -1;
	EXPECT_FALSE(exists(dir_));
}

TEST_F(ServeTest, JsonNamesTheSessionAndTheKernel)
{
	serve_ = spawn({SOFTVFIO_BINARY, "serve", "--json", "--device", "edu"});
	ASSERT_GT(serve_.pid, 0);
	json j = json::parse(read_line(serve_.out), nullptr, false);
	ASSERT_TRUE(j.is_object());
	dir_ = j["session"].get<std::string>();
	EXPECT_EQ(j["pid"], serve_.pid);
	EXPECT_EQ(stop(), 0);
}

TEST_F(ServeTest, StopOfNoSessionFails)
{
	auto o = run({SOFTVFIO_BINARY, "serve", "--stop", "/nonexistent/session"});
	EXPECT_EQ(o.status, 1);
	EXPECT_NE(o.err.find("no session"), std::string::npos) << o.err;
}

/* A name that is no preset and no file is bad usage, like an unknown
 * --profile; 3 is for a description file that does not parse. */
TEST_F(ServeTest, UnknownDeviceIsUsageAndStartsNothing)
{
	auto o = run({SOFTVFIO_BINARY, "serve", "--device", "no-such-preset"});
	EXPECT_EQ(o.status, 2) << o.err;
	EXPECT_NE(o.err.find("no such preset or file"), std::string::npos) << o.err;
	EXPECT_EQ(o.out, "");
}

TEST_F(ServeTest, BadDescriptionFileIsBadInputAndStartsNothing)
{
	auto o = run({SOFTVFIO_BINARY, "serve", "--device", BAD_DEVICE_TOML});
	EXPECT_EQ(o.status, 3) << o.err;
	EXPECT_EQ(o.out, "");
}

TEST_F(ServeTest, DetachReturnsOnceTheSessionServes)
{
	auto o = run({SOFTVFIO_BINARY, "serve", "--detach"});
	ASSERT_EQ(o.status, 0) << o.err;
	ASSERT_EQ(o.out.rfind(kPrefix, 0), 0u) << o.out;
	dir_ = o.out.substr(std::string(kPrefix).size());
	dir_.pop_back();   /* the newline */
	pid_t kernel = kernel_of(dir_);
	ASSERT_GT(kernel, 0);
	EXPECT_EQ(run({SOFTVFIO_BINARY, "serve", "--stop", dir_}).status, 0);
	EXPECT_TRUE(wait_gone(kernel));
	EXPECT_FALSE(exists(dir_));
}

TEST_F(ServeTest, RunInsideTheSessionRefusesSessionOptions)
{
	start();
	for (const char *opt : {"--device=edu", "--profile=linux-6.12", "--access=group", "--verify-fds"}) {
		auto o = run({SOFTVFIO_BINARY, "run", opt, "--", "/bin/true"}, {kPrefix + dir_});
		EXPECT_EQ(o.status, 2) << opt;
		std::string name = std::string(opt).substr(0, std::string(opt).find('='));
		EXPECT_NE(o.err.find("softvfio run: " + name + " cannot be used inside an existing session"),
			  std::string::npos)
			<< o.err;
	}
	EXPECT_EQ(stop(), 0);
}

TEST_F(ServeTest, RunInsideTheSessionJoinsIt)
{
	start();
	auto o = run({SOFTVFIO_BINARY, "run", "--", "/bin/sh", "-c", "echo \"$SOFTVFIO_SESSION\""}, {kPrefix + dir_});
	EXPECT_EQ(o.status, 0) << o.err;
	EXPECT_EQ(o.out, dir_ + "\n");
	EXPECT_EQ(stop(), 0);
}

TEST_F(ServeTest, MapsOfAProcessThatNeverJoinedIs4)
{
	start();
	/* A process that names the session but never joined it (no shim). */
	Child cat = spawn({"/bin/cat"}, {kPrefix + dir_});
	ASSERT_GT(cat.pid, 0);
	auto o = run({SOFTVFIO_BINARY, "maps", std::to_string(cat.pid)});
	EXPECT_EQ(o.status, 4) << o.err;
	EXPECT_NE(o.err.find("has not joined"), std::string::npos) << o.err;
	::close(cat.in);
	::close(cat.out);
	softvfio::test::wait_exit(cat.pid);
	EXPECT_EQ(stop(), 0);
}

TEST_F(ServeTest, MapsListsNoProcessOfAnIdleSession)
{
	start();
	auto o = run({SOFTVFIO_BINARY, "maps", "--json"}, {kPrefix + dir_});
	EXPECT_EQ(o.status, 0) << o.err;
	EXPECT_EQ(json::parse(o.out, nullptr, false), json::array());
	EXPECT_EQ(stop(), 0);
}

TEST_F(ServeTest, MapsOfAProcessWhoseSessionEndedIs4)
{
	start();
	Child cat = spawn({"/bin/cat"}, {kPrefix + dir_});
	ASSERT_GT(cat.pid, 0);
	EXPECT_EQ(stop(), 0);
	auto o = run({SOFTVFIO_BINARY, "maps", std::to_string(cat.pid)});
	EXPECT_EQ(o.status, 4) << o.err;
	EXPECT_NE(o.err.find("has ended"), std::string::npos) << o.err;
	::close(cat.in);
	::close(cat.out);
	softvfio::test::wait_exit(cat.pid);
}

/* softvfio run on its own: a session of its own, named to the program,
 * which ends when the program does. */
TEST(RunSession, ANewSessionEndsWithTheProgram)
{
	Child sh = spawn({SOFTVFIO_BINARY, "run", "--", "/bin/sh", "-c", "echo \"$SOFTVFIO_SESSION\"; read x; exit 0"});
	ASSERT_GT(sh.pid, 0);
	std::string dir = read_line(sh.out);
	ASSERT_FALSE(dir.empty());
	pid_t kernel = kernel_of(dir);
	ASSERT_GT(kernel, 0);
	EXPECT_NE(kernel, sh.pid);
	::close(sh.in);   /* read x returns: the program exits */
	EXPECT_EQ(softvfio::test::wait_exit(sh.pid), 0);
	EXPECT_TRUE(wait_gone(kernel));
	EXPECT_FALSE(exists(dir));
	::close(sh.out);
}

TEST(RunSession, AnEndedSessionInTheEnvironmentGivesANewOne)
{
	auto o = run({SOFTVFIO_BINARY, "run", "--", "/bin/sh", "-c", "echo \"$SOFTVFIO_SESSION\""},
		     {std::string(kPrefix) + "/nonexistent/session"});
	EXPECT_EQ(o.status, 0) << o.err;
	EXPECT_NE(o.err.find("has ended; starting a new one"), std::string::npos) << o.err;
	EXPECT_NE(o.out, "/nonexistent/session\n");
	EXPECT_FALSE(o.out.empty());
}

} /* namespace */
