/* SPDX-License-Identifier: MIT */
/*
 * launch_session(): a session kernel in a process of its own, no child of
 * the caller; ready when it returns; ended cleanly by a stop signal or
 * when its founder is gone, its directory removed; and its watchdog, which
 * empties every BAR memfd when the kernel is killed.
 *
 * Waits are on pidfds; the poll timeouts only keep a broken kernel from
 * hanging the test.
 */
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "session/introspect.h"
#include "session/launch.h"
#include "session/session_dir.h"
#include "support/sigbus_probe.h"

namespace softvfio::test {
namespace {

constexpr int kGoneWithinMs = 20000;

bool exists(const std::string &path)
{
	struct stat st;
	return ::stat(path.c_str(), &st) == 0;
}

/* Wait until `pid` is gone (it need not be our child). */
bool wait_gone(pid_t pid)
{
	int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
	if (fd < 0)
		return errno == ESRCH;
	struct pollfd p{fd, POLLIN, 0};
	int n = ::poll(&p, 1, kGoneWithinMs);
	::close(fd);
	return n == 1;
}

/* Field 4 of /proc/<pid>/stat. */
pid_t parent_of(pid_t pid)
{
	std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
	std::string line;
	std::getline(in, line);
	size_t p = line.rfind(')');
	if (p == std::string::npos)
		return -1;
	char state;
	int ppid = -1;
	std::sscanf(line.c_str() + p + 2, "%c %d", &state, &ppid);
	return ppid;
}

session::LaunchOptions options(std::vector<shim::DeviceSpec> devices = {{"nic", {}}})
{
	session::LaunchOptions o;
	o.config.devices = std::move(devices);
	o.exit_when_empty = false;
	return o;
}

class LaunchTest : public ::testing::Test
{
protected:
	void launch(const session::LaunchOptions &o)
	{
		auto s = session::launch_session(o);
		ASSERT_TRUE(s) << std::strerror(s.error());
		session_ = *s;
	}

	void TearDown() override
	{
		if (session_.kernel > 0 && ::kill(session_.kernel, 0) == 0) {
			::kill(session_.kernel, SIGKILL);
			wait_gone(session_.watchdog);
		}
	}

	session::LaunchedSession session_;
};

TEST_F(LaunchTest, TheKernelServesAndIsNoChildOfTheCaller)
{
	launch(options());
	EXPECT_TRUE(session::session_alive(session_.dir));
	EXPECT_EQ(*session::session_kernel_pid(session_.dir), session_.kernel);
	EXPECT_NE(parent_of(session_.kernel), ::getpid());
	/* The caller has nothing to reap: the middle process is reaped. */
	EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
	EXPECT_EQ(errno, ECHILD);
	EXPECT_EQ(parent_of(session_.watchdog), session_.kernel);
}

class StopSignal : public LaunchTest, public ::testing::WithParamInterface<int>
{
};

TEST_P(StopSignal, EndsTheSessionCleanly)
{
	launch(options());
	ASSERT_EQ(::kill(session_.kernel, GetParam()), 0);
	ASSERT_TRUE(wait_gone(session_.kernel));
	EXPECT_FALSE(exists(session_.dir));
	/* The kernel waited for its watchdog before it exited. */
	EXPECT_TRUE(wait_gone(session_.watchdog));
}

INSTANTIATE_TEST_SUITE_P(Signals, StopSignal, ::testing::Values(SIGTERM, SIGINT, SIGHUP));

TEST_F(LaunchTest, TheSessionEndsWithItsFounder)
{
	int gate[2];
	ASSERT_EQ(::pipe2(gate, O_CLOEXEC), 0);
	pid_t founder = ::fork();
	if (founder == 0) {
		char c;
		::close(gate[1]);
		::_exit(static_cast<int>(::read(gate[0], &c, 1)));
	}
	::close(gate[0]);
	auto o = options();
	o.founder = founder;
	o.exit_when_empty = true;
	launch(o);
	EXPECT_TRUE(session::session_alive(session_.dir));
	::close(gate[1]);   /* the founder exits */
	ASSERT_EQ(::waitpid(founder, nullptr, 0), founder);
	ASSERT_TRUE(wait_gone(session_.kernel));
	EXPECT_FALSE(exists(session_.dir));
}

/* The kernel's fd of the first BAR memfd, as a client maps it. */
int open_bar_memfd(pid_t kernel)
{
	std::string dir = "/proc/" + std::to_string(kernel) + "/fd";
	DIR *d = ::opendir(dir.c_str());
	if (!d)
		return -1;
	int fd = -1;
	while (dirent *e = ::readdir(d)) {
		char link[256];
		ssize_t n = ::readlinkat(::dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (n > 0 && std::string(link, static_cast<size_t>(n)).rfind("/memfd:softvfio-bar", 0) == 0) {
			fd = ::open((dir + "/" + e->d_name).c_str(), O_RDWR | O_CLOEXEC);
			break;
		}
	}
	::closedir(d);
	return fd;
}

TEST_F(LaunchTest, WhenTheKernelIsKilledEveryBarMappingFaults)
{
	launch(options());
	int fd = open_bar_memfd(session_.kernel);
	ASSERT_GE(fd, 0);
	/* BAR2 of the nic preset, as the kernel maps it for a client. */
	const off_t bar2 = off_t{2} << 40;
	auto *p = static_cast<volatile uint32_t *>(
		::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, bar2));
	ASSERT_NE(p, MAP_FAILED);
	SigbusProbe probe;
	EXPECT_FALSE(probe.write32(p, 0x5a5a5a5a).faulted);
	ASSERT_EQ(::kill(session_.kernel, SIGKILL), 0);
	ASSERT_TRUE(wait_gone(session_.watchdog));
	auto r = probe.read32(p);
	EXPECT_TRUE(r.faulted);
	EXPECT_EQ(r.code, BUS_ADRERR);
	struct stat st;
	ASSERT_EQ(::fstat(fd, &st), 0);
	EXPECT_EQ(st.st_size, 0);
	EXPECT_FALSE(exists(session_.dir));
	::munmap(const_cast<uint32_t *>(p), 4096);
	::close(fd);
}

/* As the shim did: a device that cannot be added is a warning, on the
 * caller's stderr, and the session starts without it. */
TEST_F(LaunchTest, ADeviceThatCannotBeAddedIsAWarning)
{
	int err[2];
	ASSERT_EQ(::pipe2(err, O_CLOEXEC), 0);
	int saved = ::dup(2);
	::dup2(err[1], 2);
	::close(err[1]);
	auto s = session::launch_session(options({{"nic", "5f00:00:03.0"}, {"edu", "5f00:00:03.0"}}));
	::dup2(saved, 2);
	::close(saved);
	ASSERT_TRUE(s) << std::strerror(s.error());
	session_ = *s;
	std::string text;
	char buf[512];
	ssize_t n;
	while ((n = ::read(err[0], buf, sizeof(buf))) > 0)
		text.append(buf, static_cast<size_t>(n));
	::close(err[0]);
	EXPECT_NE(text.find("cannot add 'edu' at 5f00:00:03.0"), std::string::npos) << text;
	EXPECT_TRUE(session::session_alive(session_.dir));
}

TEST_F(LaunchTest, AFreshSessionListsNoProcess)
{
	launch(options());
	auto text = session::query_session(session_.dir, session::kQueryProcesses);
	ASSERT_TRUE(text) << std::strerror(text.error());
	auto j = nlohmann::json::parse(*text, nullptr, false);
	ASSERT_FALSE(j.is_discarded()) << *text;
	EXPECT_TRUE(j["processes"].empty());
	EXPECT_EQ(j["kernel"], session_.kernel);
	EXPECT_EQ(session_.dir.substr(session_.dir.rfind('/') + 1), j["session"]);
}

TEST_F(LaunchTest, AProcessOutsideTheSessionIsNotAnswered)
{
	launch(options());
	auto text = session::query_session(session_.dir, static_cast<uint64_t>(::getpid()));
	ASSERT_FALSE(text);
	EXPECT_EQ(text.error(), ESRCH);
}

TEST_F(LaunchTest, WithSoftvfioLogTheKernelWritesItsLogInTheDirectory)
{
	::setenv("SOFTVFIO_LOG", "warn", 1);
	launch(options());
	::unsetenv("SOFTVFIO_LOG");
	EXPECT_TRUE(exists(session_.dir + "/log"));
}

} /* namespace */
} /* namespace softvfio::test */
