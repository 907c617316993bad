/* SPDX-License-Identifier: MIT */
/*
 * END TO END (label shim-e2e): `softvfio trace --attach PID` on a program
 * already running under `softvfio run` (attach_child.c): only the calls
 * made after it attached, the process's forks and execs followed, the
 * trace detached by SIGINT or gone with SIGKILL, and the refusals.
 */
#include <gtest/gtest.h>
#include <signal.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "spawn.h"

using softvfio::test::Child;
using softvfio::test::read_line;
using softvfio::test::run;
using softvfio::test::spawn;
using softvfio::test::wait_exit;

namespace {

constexpr const char *kBdf = "5f00:00:01.0";

class TraceAttachTest : public ::testing::Test
{
protected:
	void SetUp() override
	{
		target_ = spawn({SOFTVFIO_BINARY, "run", "--", ATTACH_CHILD, kBdf});
		ASSERT_GT(target_.pid, 0);
		ASSERT_EQ(read_line(target_.out), "READY");
		/* softvfio run execs the program: the pid is the program's. */
	}

	void TearDown() override
	{
		for (Child *c : {&tracer_, &target_}) {
			if (c->pid > 0) {
				kill(c->pid, SIGKILL);
				wait_exit(c->pid);
			}
			if (c->in >= 0)
				close(c->in);
			if (c->out >= 0)
				close(c->out);
		}
	}

	/* A command to the target; its answer line. */
	std::string ask(const std::string &command)
	{
		std::string line = command + "\n";
		EXPECT_EQ(write(target_.in, line.data(), line.size()), static_cast<ssize_t>(line.size()));
		return read_line(target_.out);
	}

	/* The tracer, attached (its first line read), its stderr on its
	 * stdout pipe. */
	void attach(const std::vector<std::string> &options = {})
	{
		std::string cmd = std::string("exec ") + SOFTVFIO_BINARY + " trace";
		for (const std::string &o : options)
			cmd += " '" + o + "'";
		cmd += " --attach " + std::to_string(target_.pid) + " 2>&1";
		tracer_ = spawn({"/bin/sh", "-c", cmd});
		ASSERT_GT(tracer_.pid, 0);
		ASSERT_EQ(read_line(tracer_.out), "softvfio trace: Process " + std::to_string(target_.pid) + " attached");
	}

	/* SIGINT to the tracer: the rest of its output, and its status. */
	std::pair<std::string, int> interrupt()
	{
		kill(tracer_.pid, SIGINT);
		std::string rest, line;
		while (!(line = read_line(tracer_.out)).empty())
			rest += line + "\n";
		int status = wait_exit(tracer_.pid);
		tracer_.pid = -1;
		return {rest, status};
	}

	static std::string slurp(const std::string &path)
	{
		std::ifstream in(path);
		std::stringstream s;
		s << in.rdbuf();
		return s.str();
	}

	Child target_;
	Child tracer_;
};

TEST_F(TraceAttachTest, ShowsTheCallsMadeAfterItAttachedDecoded)
{
	ASSERT_EQ(ask("info"), "DONE");   /* before: not shown */
	attach();
	ASSERT_EQ(ask("info"), "DONE");
	std::string line = read_line(tracer_.out);
	EXPECT_EQ(line.rfind("ioctl(", 0), 0u) << line;
	EXPECT_NE(line.find("VFIO_DEVICE_GET_INFO"), std::string::npos) << line;
	EXPECT_EQ(line.find("[pid"), std::string::npos) << line;
	auto [rest, status] = interrupt();
	EXPECT_EQ(status, 0);
	EXPECT_EQ(rest, "softvfio trace: Process " + std::to_string(target_.pid) + " detached\n");
}

TEST_F(TraceAttachTest, FollowsAForkedChildWithItsPid)
{
	attach();
	std::string done = ask("fork");
	ASSERT_EQ(done.rfind("DONE ", 0), 0u) << done;
	std::string line = read_line(tracer_.out);
	EXPECT_EQ(line.rfind("[pid " + done.substr(5) + "] ioctl(", 0), 0u) << line;
	EXPECT_NE(line.find("VFIO_DEVICE_GET_REGION_INFO"), std::string::npos) << line;
}

TEST_F(TraceAttachTest, FollowsTheProcessIntoTheImageItExecs)
{
	attach({"-e", "trace=ioctl"});
	ASSERT_EQ(ask("exec"), "DONE");
	/* The new image opened the device again (its ioctls on the group),
	 * then asked for region 0. */
	std::string line, all;
	while ((line = read_line(tracer_.out)).find("VFIO_DEVICE_GET_REGION_INFO") == std::string::npos &&
	       !line.empty())
		all += line + "\n";
	EXPECT_NE(line.find("VFIO_DEVICE_GET_REGION_INFO"), std::string::npos) << all;
	EXPECT_EQ(line.find("[pid"), std::string::npos) << line;
}

TEST_F(TraceAttachTest, ADetachedProcessIsNoLongerTraced)
{
	char dir[] = "/tmp/softvfio-attach-XXXXXX";
	ASSERT_NE(mkdtemp(dir), nullptr);
	const std::string file = std::string(dir) + "/trace";
	attach({"-o", file});
	ASSERT_EQ(ask("info"), "DONE");
	auto [rest, status] = interrupt();
	EXPECT_EQ(status, 0);
	ASSERT_EQ(ask("info"), "DONE");
	std::string text = slurp(file);
	size_t first = text.find("VFIO_DEVICE_GET_INFO");
	EXPECT_NE(first, std::string::npos) << text;
	EXPECT_EQ(text.find("VFIO_DEVICE_GET_INFO", first + 1), std::string::npos) << text;
	unlink(file.c_str());
	rmdir(dir);
}

TEST_F(TraceAttachTest, TheProcessGoesOnWhenItsTracerIsKilled)
{
	attach();
	ASSERT_EQ(ask("info"), "DONE");
	kill(tracer_.pid, SIGKILL);
	EXPECT_EQ(wait_exit(tracer_.pid), 128 + SIGKILL);
	tracer_.pid = -1;
	/* Its next lines have nowhere to go: no SIGPIPE, the calls go on. */
	EXPECT_EQ(ask("info"), "DONE");
	EXPECT_EQ(ask("info"), "DONE");
}

TEST_F(TraceAttachTest, ItEndsWhenTheProcessExits)
{
	attach();
	const pid_t pid = target_.pid;
	close(target_.in);
	target_.in = -1;
	EXPECT_EQ(wait_exit(target_.pid), 0);
	target_.pid = -1;
	EXPECT_EQ(read_line(tracer_.out), "softvfio trace: Process " + std::to_string(pid) + " exited");
	EXPECT_EQ(wait_exit(tracer_.pid), 0);
	tracer_.pid = -1;
}

TEST(TraceAttachRefusals, AProcessInNoSessionExits4)
{
	auto o = run({SOFTVFIO_BINARY, "trace", "--attach", std::to_string(getpid())});
	EXPECT_EQ(o.status, 4) << o.err;
	EXPECT_NE(o.err.find("in no running softvfio session"), std::string::npos) << o.err;
}

TEST(TraceAttachRefusals, NoSuchProcessExits1)
{
	auto o = run({SOFTVFIO_BINARY, "trace", "--attach", "2147483646"});
	EXPECT_EQ(o.status, 1) << o.err;
	EXPECT_NE(o.err.find("no process 2147483646"), std::string::npos) << o.err;
}

TEST(TraceAttachRefusals, AProgramOrASummaryWithAttachIsAUsageError)
{
	EXPECT_EQ(run({SOFTVFIO_BINARY, "trace", "--attach", "1", "--", "true"}).status, 2);
	EXPECT_EQ(run({SOFTVFIO_BINARY, "trace", "-c", "--attach", std::to_string(getpid())}).status, 2);
}

} /* namespace */
