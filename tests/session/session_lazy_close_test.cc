/* SPDX-License-Identifier: MIT */
/*
 * The close of a DMABUF's fd without a call (session/wire/closed_numbers.h):
 * the process marks the number in its mailbox and closes the fd, as the
 * shim's close() does; the release follows from the stand-in's hang-up, and
 * the kernel forgets the number before the process's next call, so a number
 * reused since stands for its new file.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

#include "session/session_fixture.h"
#include "session/wire/closed_numbers.h"

namespace softvfio::test {
namespace {

using session::Connection;
using session::wire::Op;

constexpr size_t kBufLen = 0x10000;

/* close(2) of a DMABUF's fd as the shim makes it. */
bool close_without_call(Connection &c, int fd)
{
	return c.note_closed(fd) && ::close(fd) == 0;
}

/* Does the kernel's end of stand-in `fd` say its close need not wait? */
bool named_lazy(int fd)
{
	struct sockaddr_un addr;
	socklen_t len = sizeof(addr);
	if (::getpeername(fd, reinterpret_cast<struct sockaddr *>(&addr), &len) < 0)
		return false;
	const size_t head = offsetof(struct sockaddr_un, sun_path) + 1;
	return len > head && addr.sun_path[len - head] == session::wire::kLazyReleaseMark[0];
}

bool device_info_works(Connection &c, int fd)
{
	vfio_device_info info{};
	info.argsz = sizeof(info);
	return child::ioctl(c, fd, VFIO_DEVICE_GET_INFO, &info) == 0 && (info.flags & VFIO_DEVICE_FLAGS_PCI) &&
	       info.num_regions > 0;
}

/* A child holds state for the test to look at: it says it is there, the
 * test checks the kernel and lets it end. */
struct Hold {
	child::Pipe up, down;
	bool reached()
	{
		up.post();
		return down.take();
	}
};

TEST_F(SessionTest, OnlyADmabufsStandinSaysItsCloseNeedNotWait)
{
	EXPECT_EQ(in_child([&](Connection &c) {
			  child::Device d;
			  CHILD_CHECK(child::open_device(c, bdf_, d));
			  long buf = child::export_dmabuf(c, d.device, 2, 0, kBufLen);
			  CHILD_CHECK(buf >= 0);
			  CHILD_CHECK(named_lazy(static_cast<int>(buf)));
			  CHILD_CHECK(!named_lazy(d.device) && !named_lazy(d.group) && !named_lazy(d.container));
			  return 0;
		  }),
		  0);
}

class LazyCloseTest : public SessionTest
{
protected:
	/* A child that exports a DMABUF of BAR2, maps it and writes a byte
	 * there if `mapped`, closes it without a call and holds until let go
	 * (then the mapping still reads the byte). */
	pid_t spawn_closer(Hold &hold, bool mapped)
	{
		return spawn([&hold, mapped, this](Connection &c) {
			child::Device d;
			CHILD_CHECK(child::open_device(c, bdf_, d));
			long buf = child::export_dmabuf(c, d.device, 2, 0, kBufLen);
			CHILD_CHECK(buf >= 0);
			char *map = mapped ? child::map_page(c, static_cast<int>(buf), PROT_READ | PROT_WRITE) : nullptr;
			CHILD_CHECK(map || !mapped);
			CHILD_CHECK(close_without_call(c, static_cast<int>(buf)));
			if (map)
				map[8] = 0x5a;
			CHILD_CHECK(hold.reached());
			CHILD_CHECK(!map || map[8] == 0x5a);
			return 0;
		});
	}
};

TEST_F(LazyCloseTest, ADmabufClosedWithoutACallIsReleasedOnceTheSessionSettled)
{
	Hold hold;
	pid_t pid = spawn_closer(hold, false);
	ASSERT_TRUE(await(hold.up, pid));
	session_->settle();
	EXPECT_TRUE(exported_buffers().empty()) << "the stand-in hung up: released";
	EXPECT_EQ(open_count(), 1u) << "the device stays open";
	hold.down.post();
	EXPECT_EQ(reap(pid), 0);
}

TEST_F(LazyCloseTest, AMappingKeepsABufferClosedWithoutACall)
{
	Hold hold;
	pid_t pid = spawn_closer(hold, true);
	ASSERT_TRUE(await(hold.up, pid));
	session_->settle();
	EXPECT_EQ(exported_buffers().size(), 1u) << "the mapping holds the buffer";
	hold.down.post();
	EXPECT_EQ(reap(pid), 0);
}

/* A DMABUF exported, mapped and closed without a call: its buffer lives
 * on (the mapping holds it), its number is free. reuse() gives the number
 * to a copy of the device fd, received over SCM_RIGHTS. In a child. */
struct ClosedButMapped {
	int sv[2] = {-1, -1};
	child::Device d;
	int number = -1;
	char *map = nullptr;

	/* 0, or 1 after saying what failed (CHILD_CHECK). */
	int make(Connection &c, const std::string &bdf)
	{
		CHILD_CHECK(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
		CHILD_CHECK(child::open_device(c, bdf, d));
		long buf = child::export_dmabuf(c, d.device, 2, 0, kBufLen);
		CHILD_CHECK(buf >= 0);
		number = static_cast<int>(buf);
		CHILD_CHECK(child::buffer_id(c, number) != 0);
		map = child::map_page(c, number, PROT_READ | PROT_WRITE);
		CHILD_CHECK(map);
		CHILD_CHECK(close_without_call(c, number));
		return 0;
	}
	int reuse() { return child::send_fd(sv[0], d.device) ? child::recv_fd(sv[1]) : -1; }
};

/* The number of a closed DMABUF whose buffer lives on (a mapping holds it)
 * is taken by a device fd received over SCM_RIGHTS: a call on it reaches
 * the device. Without the mark, the kernel's table would still say the
 * buffer. */
TEST_F(SessionTest, ANumberClosedWithoutACallStandsForWhatReusedIt)
{
	EXPECT_EQ(in_child([&](Connection &c) {
			  ClosedButMapped s;
			  CHILD_CHECK(s.make(c, bdf_) == 0);
			  int got = s.reuse();
			  CHILD_CHECK(got == s.number);
			  CHILD_CHECK(child::buffer_id(c, got) == 0);
			  CHILD_CHECK(device_info_works(c, got));
			  s.map[0] = 1;
			  CHILD_CHECK(child::close(c, got) == 0);
			  CHILD_CHECK(device_info_works(c, s.d.device));
			  return 0;
		  }),
		  0);
}

/* A fork after such a close: the child's copy of the kernel's table is
 * true too. */
TEST_F(SessionTest, AForkChildAfterACloseWithoutACallHasATrueTable)
{
	EXPECT_EQ(in_child([&](Connection &c) {
			  ClosedButMapped s;
			  CHILD_CHECK(s.make(c, bdf_) == 0);
			  pid_t pid = child::fork(c);
			  CHILD_CHECK(pid >= 0);
			  if (pid == 0) {
				  int got = s.reuse();
				  CHILD_CHECK(got == s.number);
				  CHILD_CHECK(device_info_works(c, got));
				  CHILD_CHECK(child::buffer_id(c, got) == 0);
				  ::_exit(0);
			  }
			  CHILD_CHECK(child::wait(pid) == 0);
			  return 0;
		  }),
		  0);
}

/* A mark is a hint, not a close: a number still open that the process
 * marks (it had no reason to) is found again by identity. */
TEST_F(SessionTest, AMarkOnANumberStillOpenCostsOnlyALookup)
{
	EXPECT_EQ(in_child([&](Connection &c) {
			  child::Device d;
			  CHILD_CHECK(child::open_device(c, bdf_, d));
			  long buf = child::export_dmabuf(c, d.device, 2, 0, kBufLen);
			  CHILD_CHECK(buf >= 0);
			  const uint64_t id = child::buffer_id(c, static_cast<int>(buf));
			  CHILD_CHECK(id != 0);
			  CHILD_CHECK(c.note_closed(d.device) && c.note_closed(static_cast<int>(buf)));
			  CHILD_CHECK(device_info_works(c, d.device));
			  CHILD_CHECK(child::buffer_id(c, static_cast<int>(buf)) == id);
			  return 0;
		  }),
		  0);
	session_->settle();
	EXPECT_TRUE(exported_buffers().empty()) << "the process ended";
}

/* Every number a process can mark, and none it cannot. */
TEST_F(SessionTest, NumbersOutsideTheMarksMustBeToldByACall)
{
	EXPECT_EQ(in_child([&](Connection &c) {
			  CHILD_CHECK(!c.note_closed(-1));
			  CHILD_CHECK(!c.note_closed(int(session::wire::ClosedNumbers::kNumbers)));
			  CHILD_CHECK(c.note_closed(int(session::wire::ClosedNumbers::kNumbers) - 1));
			  CHILD_CHECK(c.note_closed(0));
			  /* Taken with the next call, which still works. */
			  CHILD_CHECK(c.call(Op::Identify, {0}) == 0);
			  return 0;
		  }),
		  0);
}

} /* namespace */
} /* namespace softvfio::test */
