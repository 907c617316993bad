/* SPDX-License-Identifier: MIT */
/*
 * The session kernel end to end: processes joining, their calls, their
 * fds and mappings, and what one process's call does to another's.
 */
#include <csignal>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

#include "session/session_fixture.h"

namespace softvfio::test {
namespace {

using session::Connection;
using session::wire::Op;

constexpr uint64_t kBar2 = uint64_t(VFIO_PCI_BAR2_REGION_INDEX) << 40;
constexpr size_t k2M = 2u << 20;

TEST_F(SessionTest, ACallReachesTheKernelAndItsFdIsReal)
{
	EXPECT_EQ(in_child([](Connection &c) {
			  long fd = child::open(c, "/dev/vfio/vfio");
			  CHILD_CHECK(fd >= 0);
			  CHILD_CHECK(::fcntl(static_cast<int>(fd), F_GETFD) >= 0);
			  CHILD_CHECK(child::ioctl(c, static_cast<int>(fd), VFIO_GET_API_VERSION, 0ul) == VFIO_API_VERSION);
			  return 0;
		  }),
		  0);
}

TEST_F(SessionTest, AMappingOfTheBarSeesWhatTheRegionHolds)
{
	EXPECT_EQ(in_child([this](Connection &c) {
			  child::Device d;
			  CHILD_CHECK(child::open_device(c, bdf_, d));
			  long p = child::mmap(c, k2M, PROT_READ | PROT_WRITE, d.device, kBar2);
			  CHILD_CHECK(p > 0);
			  auto *bar = reinterpret_cast<volatile uint32_t *>(p);
			  bar[16] = 0x12345678;
			  uint32_t v = 0;
			  CHILD_CHECK(c.call(Op::Pread, {d.device, reinterpret_cast<int64_t>(&v), 4,
							 static_cast<int64_t>(kBar2 + 64)}) == 4);
			  CHILD_CHECK(v == 0x12345678);
			  CHILD_CHECK(child::munmap(c, static_cast<uintptr_t>(p), k2M) == 0);
			  return 0;
		  }),
		  0);
}

TEST_F(SessionTest, MemoryDisableInOneProcessFaultsTheOthersMappingBeforeItReturns)
{
	EXPECT_EQ(in_child([this](Connection &c) {
			  child::Device d;
			  CHILD_CHECK(child::open_device(c, bdf_, d));
			  long p = child::mmap(c, k2M, PROT_READ | PROT_WRITE, d.device, kBar2);
			  CHILD_CHECK(p > 0);
			  auto *bar = reinterpret_cast<volatile uint32_t *>(p);
			  bar[0] = 0xfeedf00d;
			  child::Pipe go, checked;
			  pid_t other = child::fork(c);
			  if (other == 0) {
				  /* The fork's child: the same device, the same mapping. */
				  CHILD_CHECK(!child::faults(bar));
				  checked.post();
				  CHILD_CHECK(go.take());
				  CHILD_CHECK(child::faults(bar));
				  checked.post();
				  CHILD_CHECK(go.take());
				  CHILD_CHECK(!child::faults(bar));
				  CHILD_CHECK(bar[0] == 0xfeedf00d);
				  ::_exit(0);
			  }
			  CHILD_CHECK(checked.take());
			  CHILD_CHECK(child::set_memory(c, d.device, false));
			  CHILD_CHECK(child::faults(bar));
			  go.post();
			  CHILD_CHECK(checked.take());
			  CHILD_CHECK(child::set_memory(c, d.device, true));
			  go.post();
			  CHILD_CHECK(child::wait(other) == 0);
			  CHILD_CHECK(bar[0] == 0xfeedf00d);
			  return 0;
		  }),
		  0);
}

/* A process whose connection is gone (destroyed while the process goes on
 * to its end) may still be sent the session's signal by a revocation in
 * another process. It is dropped: it used to reach the destroyed
 * connection (a chaos image that returned from main crashed, or hung on a
 * lock in freed memory). Other deliveries of the same signal still reach
 * the program's action. */
std::atomic<int> g_programs_deliveries{0};

TEST_F(SessionTest, TheSessionsSignalAfterTheConnectionIsGoneIsDroppedAndNeverThePrograms)
{
	auto body = [this]() -> int {
		child::note_inherited_mailboxes();
		auto *c = new Connection;
		if (c->join(dir_.c_str()) < 0)
			return 100;
		const int sig = c->signal();
		struct sigaction act = {};
		act.sa_sigaction = [](int, siginfo_t *, void *) { g_programs_deliveries++; };
		act.sa_flags = SA_SIGINFO;
		CHILD_CHECK(session::work_signal_sigaction(&act, nullptr) == 0);
		delete c;
		CHILD_CHECK(::sigqueue(::getpid(), sig, sigval{session::wire::kSignalValue}) == 0);
		CHILD_CHECK(g_programs_deliveries.load() == 0);
		CHILD_CHECK(::sigqueue(::getpid(), sig, sigval{1}) == 0);
		CHILD_CHECK(g_programs_deliveries.load() == 1);
		return 0;
	};
	const pid_t pid = ::fork();
	if (pid == 0)
		::_exit(body());
	ASSERT_GT(pid, 0);
	EXPECT_EQ(reap(pid), 0);
}

} /* namespace */
} /* namespace softvfio::test */
