/* SPDX-License-Identifier: MIT */
/*
 * A session kernel facing broken, hostile and dying clients: malformed
 * messages get an error or cut their process off and nobody else notices;
 * a process dying in the middle of a call leaves no lock held; a flood of
 * calls from one process does not starve another; and when the kernel
 * goes, clients fail clearly (ENODEV, SIGBUS), never silently.
 */
#include <atomic>
#include <chrono>
#include <cstdio>
#include <csignal>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <softvfio/device_description.h>
#include <softvfio/uapi/vfio.h>

#include "session/raw_slot.h"
#include "session/session_dir.h"
#include "session/session_helper.h"
#include "session/session_fixture.h"
#include "session/wire/futex.h"

namespace softvfio::test {
namespace {

using session::Connection;
using session::wire::MailboxState;
using session::wire::MsgKind;
using session::wire::Op;
using session::wire::SubOp;

constexpr uint64_t kBar2 = uint64_t(VFIO_PCI_BAR2_REGION_INDEX) << 40;

/* One raw request in `slot`; its reply's result, or a value no reply
 * gives (the process was cut off, or nothing came within 10 s). */
constexpr int64_t kNoReply = INT64_MIN;
int64_t raw_call(RawSlot &slot, uint32_t op, uint32_t seq, const int64_t (&a)[6])
{
	slot.request(op, seq, a);
	if (slot.wait(RawSlot::kPatienceNs) != RawSlot::Wait::Message)
		return kNoReply;
	auto r = slot.reply();
	if (r.h.kind != static_cast<uint32_t>(MsgKind::Reply) || r.h.seq != seq)
		return kNoReply;
	return r.result;
}

/* --- malformed messages --- */

TEST_F(SessionTest, UnknownOpsAndGarbageArgumentsGetAnErrorAndTheProcessGoesOn)
{
	EXPECT_EQ(in_child([this](Connection &c) {
			  child::Device d;
			  CHILD_CHECK(child::open_device(c, bdf_, d));
			  session::wire::Mailbox *mb = child::own_mailbox();
			  CHILD_CHECK(mb != nullptr);
			  RawSlot slot(*mb, RawSlot::kTestSlot);
			  CHILD_CHECK(slot.claimed());
			  const auto kCount = static_cast<uint32_t>(Op::kCount);
			  uint32_t seq = 100;
			  /* Ops the kernel does not know. */
			  for (uint32_t op : {0u, kCount, kCount + 1, 0x7fffffffu, 0xffffffffu})
				  CHILD_CHECK(raw_call(slot, op, ++seq, {1, 2, 3, 4, 5, 6}) == -ENOSYS);
			  /* Known ops, arguments no program passes. */
			  const int64_t wild = 0x10;                     /* unmapped */
			  const int64_t kernel = int64_t(0xffff800000000000ull);
			  struct Case {
				  Op op;
				  int64_t a[6];
				  int err;
			  } cases[] = {
				  {Op::Open, {0, O_RDWR}, EFAULT},
				  {Op::Open, {wild, O_RDWR}, EFAULT},
				  {Op::Open, {kernel, O_RDWR}, EFAULT},
				  {Op::Ioctl, {-5, VFIO_GET_API_VERSION, 0}, EBADF},
				  {Op::Ioctl, {1 << 30, VFIO_GET_API_VERSION, 0}, EBADF},
				  {Op::Ioctl, {d.device, VFIO_DEVICE_GET_REGION_INFO, wild}, EFAULT},
				  {Op::Ioctl, {d.device, VFIO_DEVICE_GET_REGION_INFO, kernel}, EFAULT},
				  {Op::Pread, {d.device, wild, 4, int64_t(kBar2)}, EFAULT},
				  {Op::Pread, {d.device, wild, -1, int64_t(kBar2)}, EFAULT},
				  {Op::Pwrite, {d.device, kernel, 4, int64_t(kBar2)}, EFAULT},
				  {Op::Mmap, {0, 0, PROT_READ, MAP_SHARED, d.device, int64_t(kBar2)}, EINVAL},
				  {Op::Mmap, {0, 4096, PROT_READ, MAP_SHARED, d.device, -4096}, EINVAL},
				  {Op::ClosedRange, {5, 2}, EINVAL},
				  {Op::ClosedRange, {-1, 2}, EINVAL},
				  {Op::SysfsWrite, {wild, wild, 4}, EFAULT},
				  {Op::NodeInfo, {kernel, wild}, EFAULT},
				  {Op::LinkName, {-1, wild, 64}, EBADF},
				  {Op::Mappings, {wild, -1}, EINVAL},
				  {Op::BufferOf, {d.device, wild}, EINVAL},
				  {Op::Ioctl, {d.device, 0x7fff, 0}, ENOTTY},
				  {Op::Fcntl, {-1, F_GETFL}, EBADF},
				  {Op::SysfsRoot, {kernel, 4096}, EFAULT},
				  /* Not an emulated range: the process unmaps it itself. */
				  {Op::Munmap, {wild, 4096}, int(-Kernel::kForeign)},
				  {Op::Mprotect, {kernel, 4096, PROT_READ}, int(-Kernel::kForeign)},
				  /* A fork record that is not this process's: nothing. */
				  {Op::ForkDone, {12345, -1}, 0},
			  };
			  for (const Case &k : cases) {
				  int64_t r = raw_call(slot, static_cast<uint32_t>(k.op), ++seq, k.a);
				  if (k.err ? r != -k.err : r != 0) {
					  std::fprintf(stderr, "op %u: %lld, wanted -%d\n", static_cast<unsigned>(k.op),
						       static_cast<long long>(r), k.err);
					  return 1;
				  }
			  }
			  /* Served all along; the process's own calls still work. */
			  CHILD_CHECK(mb->header.state.load() == static_cast<uint32_t>(MailboxState::Alive));
			  CHILD_CHECK(child::api_version_works(c, d.container));
			  CHILD_CHECK(child::region_info_works(c, d.device));
			  return 0;
		  }),
		  0);
}

/* --- dying in the middle of a call --- */

TEST_F(SessionTest, AProcessKilledWhileTheKernelWaitsForItsAnswerLeavesNoLockHeld)
{
	int sv[2];
	ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	child::Pipe stalled, killed, first, second;
	/* The stuck process joined on its own and got the device fd with
	 * SCM_RIGHTS: it maps the BAR, and never answers the kernel's
	 * Reserve question. The kernel is inside mmap() for it. */
	pid_t stuck = spawn([&](Connection &) {
		int device = child::recv_fd(sv[1]);
		CHILD_CHECK(device >= 0);
		session::wire::Mailbox *mb = child::own_mailbox();
		CHILD_CHECK(mb != nullptr);
		RawSlot slot(*mb, RawSlot::kTestSlot);
		CHILD_CHECK(slot.claimed());
		slot.request(static_cast<uint32_t>(Op::Mmap), 1,
			     {0, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED, device, int64_t(kBar2)});
		CHILD_CHECK(slot.wait(RawSlot::kPatienceNs) == RawSlot::Wait::Message);
		auto q = slot.header();
		CHILD_CHECK(q.kind == static_cast<uint32_t>(MsgKind::SubRequest));
		CHILD_CHECK(q.op == static_cast<uint32_t>(SubOp::Reserve));
		stalled.post();
		for (;;)
			::pause();
	});
	pid_t other = spawn([&](Connection &c) {
		child::Device d;
		CHILD_CHECK(child::open_device(c, bdf_, d));
		CHILD_CHECK(child::send_fd(sv[0], d.device));
		CHILD_CHECK(stalled.take());
		/* While the kernel waits for the stuck process. */
		CHILD_CHECK(child::device_calls(c, d) == 0);
		first.post();
		CHILD_CHECK(killed.take());
		/* And once it died mid-call. */
		CHILD_CHECK(child::device_calls(c, d) == 0);
		second.post();
		return 0;
	});
	ASSERT_TRUE(await(first, other));
	ASSERT_EQ(::kill(stuck, SIGKILL), 0);
	EXPECT_EQ(reap(stuck), 128 + SIGKILL);
	killed.post();
	ASSERT_TRUE(await(second, other));
	EXPECT_EQ(reap(other), 0);
	::close(sv[0]);
	::close(sv[1]);
	/* Nothing of either is left: the half-made mapping neither. */
	EXPECT_EQ(processes(), 0u);
	EXPECT_EQ(open_count(), 0u);
	EXPECT_TRUE(buffers().empty());
}

/* --- a flood --- */

TEST_F(SessionTest, AFloodOfCallsFromOneProcessDoesNotStarveAnother)
{
	constexpr int kFloodThreads = 24;   /* more than a mailbox has slots */
	constexpr uint64_t kCalls = 300;
	helper::Shared<helper::FloodShared> s;
	ASSERT_TRUE(s);
	pid_t flood = helper::exec_helper({"flood", dir_, std::to_string(s.fd), std::to_string(kFloodThreads)}, {s.fd});
	ASSERT_GT(flood, 0);
	children_.push_back(flood);
	uint64_t *counts = static_cast<uint64_t *>(
		::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	ASSERT_NE(counts, MAP_FAILED);
	int status = in_child([&](Connection &c) {
		long container = child::open(c, "/dev/vfio/vfio");
		CHILD_CHECK(container >= 0);
		/* Until the flood is at full strength (or the test's deadline). */
		const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
		for (auto now = std::chrono::steady_clock::now(); s->ready.load() == 0 && now < end;
		     now = std::chrono::steady_clock::now())
			session::wire::futex_wait(
				s->ready, 0,
				static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(end - now).count()));
		CHILD_CHECK(s->ready.load() == 1);
		counts[0] = s->calls.load();
		for (uint64_t i = 0; i < kCalls; i++)
			CHILD_CHECK(child::api_version_works(c, static_cast<int>(container)));
		counts[1] = s->calls.load();
		return 0;
	});
	s->stop = 1;
	EXPECT_EQ(status, 0);
	EXPECT_EQ(reap(flood), 0);
	EXPECT_EQ(s->errors.load(), 0u);
	/* The flood ran all the while the other process made its calls (it
	 * stops only once they are done). Starved, that process would see the
	 * flood make many times its fair share meanwhile (24 threads to its
	 * one); allow 64 times that, to catch starvation, not to time. */
	const uint64_t during = counts[1] - counts[0];
	EXPECT_LT(during, 64u * kFloodThreads * kCalls);
	std::printf("%llu calls, %llu flood calls meanwhile from %d threads\n",
		    static_cast<unsigned long long>(kCalls), static_cast<unsigned long long>(during), kFloodThreads);
	::munmap(counts, 4096);
}

/* --- the kernel goes --- */

/* A client with the device open and a BAR mapping; once told the kernel
 * is gone, its next call (a mapping call, which holds the mm table's
 * lock) and every one after fail with ENODEV, and the mapping faults. */
int client_after_the_kernel(Connection &c, const std::string &bdf, child::Pipe &ready, child::Pipe &gone)
{
	child::Device d;
	CHILD_CHECK(child::open_device(c, bdf, d));
	long p = child::mmap(c, 0x10000, PROT_READ | PROT_WRITE, d.device, kBar2);
	CHILD_CHECK(p > 0);
	CHILD_CHECK(!child::faults(reinterpret_cast<void *>(p)));
	/* A constant query, which the process remembers the answer of. */
	vfio_region_info info{};
	info.argsz = sizeof(info);
	info.index = VFIO_PCI_BAR2_REGION_INDEX;
	CHILD_CHECK(c.ioctl(d.device, 1, VFIO_DEVICE_GET_REGION_INFO, reinterpret_cast<uintptr_t>(&info)) == 0);
	CHILD_CHECK(c.ioctl(d.device, 1, VFIO_DEVICE_GET_REGION_INFO, reinterpret_cast<uintptr_t>(&info)) == 0);
	ready.post();
	CHILD_CHECK(gone.take());
	CHILD_CHECK(child::mmap(c, 0x10000, PROT_READ | PROT_WRITE, d.device, kBar2) == -ENODEV);
	CHILD_CHECK(child::faults(reinterpret_cast<void *>(p)));
	CHILD_CHECK(child::ioctl(c, d.container, VFIO_GET_API_VERSION, 0ul) == -ENODEV);
	CHILD_CHECK(!child::region_info_works(c, d.device));
	/* Not even from memory: the process is told the session is gone. */
	CHILD_CHECK(c.ioctl(d.device, 1, VFIO_DEVICE_GET_REGION_INFO, reinterpret_cast<uintptr_t>(&info)) == -ENODEV);
	CHILD_CHECK(!c.alive());
	return 0;
}

TEST_F(SessionTest, WhenTheSessionKernelIsGoneCallsFailWithEnodevAndMappingsFault)
{
	child::Pipe ready, gone;
	pid_t client = spawn([&](Connection &c) { return client_after_the_kernel(c, bdf_, ready, gone); });
	ASSERT_TRUE(await(ready, client));
	session_->stop();
	thread_.join();
	session_.reset();
	gone.post();
	EXPECT_EQ(reap(client), 0);
}

/* stop() alone: the session ends when run() returns, and its processes
 * are served no more, while the SessionKernel object still exists. */
TEST_F(SessionTest, WhenTheSessionKernelStopsCallsFailWithEnodevAndMappingsFault)
{
	child::Pipe ready, gone;
	pid_t client = spawn([&](Connection &c) { return client_after_the_kernel(c, bdf_, ready, gone); });
	ASSERT_TRUE(await(ready, client));
	session_->stop();
	thread_.join();
	gone.post();
	EXPECT_EQ(reap(client), 0);
}

TEST_F(SessionTest, WhenTheKernelProcessIsKilledCallsFailWithEnodevAndMappingsFault)
{
	/* The fixture's session is not used here, and its threads must be gone
	 * before the fork below: a child forked while another thread holds a
	 * lock (the allocator's, under ASan) inherits it held, and the kernel
	 * the child builds waited on it for ever (the client's first call was
	 * never answered, and failed with ENODEV when the test gave up). */
	session_->stop();
	thread_.join();
	session_.reset();
	/* A second session, whose kernel is a process of its own. */
	struct Shared {
		char dir[256];
		char bdf[32];
	};
	auto *s = static_cast<Shared *>(
		::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	ASSERT_NE(s, MAP_FAILED);
	child::Pipe serving, ready, gone;
	::fflush(nullptr);
	pid_t host = ::fork();
	ASSERT_GE(host, 0);
	if (host == 0) {
		auto dir = session::create_session_dir();
		if (!dir)
			::_exit(1);
		KernelOptions options;
		options.sysfs_dir = dir->path + "/sys";
		Kernel kernel(options);
		auto bdf = kernel.add_device(*preset("nic"));
		if (!bdf)
			::_exit(1);
		session::SessionConfig config;
		config.name = dir->name;
		config.exit_when_empty = false;
		session::SessionKernel sk(kernel, config, std::move(dir->listener));
		if (sk.error() || !session::claim_session_dir(dir->path, ::getpid()))
			::_exit(1);
		std::snprintf(s->dir, sizeof(s->dir), "%s", dir->path.c_str());
		std::snprintf(s->bdf, sizeof(s->bdf), "%s", bdf->c_str());
		serving.post();
		sk.run();
		::_exit(0);
	}
	ASSERT_TRUE(await(serving, host));
	const std::string dir = s->dir, bdf = s->bdf;
	pid_t client = spawn_in(dir, [&](Connection &c) { return client_after_the_kernel(c, bdf, ready, gone); });
	EXPECT_TRUE(await(ready, client));
	ASSERT_EQ(::kill(host, SIGKILL), 0);
	ASSERT_EQ(::waitpid(host, nullptr, 0), host);
	gone.post();
	EXPECT_EQ(reap(client), 0);
	session::remove_session_dir(dir);
	::munmap(s, sizeof(Shared));
}

} /* namespace */
} /* namespace softvfio::test */
