/* SPDX-License-Identifier: MIT */
/*
 * Spare pairs (session/client/standin_hints.h, wire::kRequestSpare): a
 * question that made a stand-in last time has the process make the socket
 * pair before the call, and the kernel takes it instead of asking for one
 * in the middle of the call. A guess that turns out wrong costs nothing but
 * the pair: no fd is left behind, no flag differs from what was asked.
 */
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

#include "session/session_fixture.h"
#include "support/dma_buf_arg.h"

namespace softvfio::test {
namespace {

using session::Connection;

/* How many fds the process has open. */
int open_fds()
{
	DIR *d = ::opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0;
	while (struct dirent *e = ::readdir(d))
		n += e->d_name[0] != '.';
	::closedir(d);
	return n - 1; /* the directory's own fd */
}

/* A DMABUF export of BAR2's first page, through Connection::ioctl (where
 * spares are offered), with `open_flags`. */
long export_page(Connection &c, int device, uint32_t open_flags, uint64_t length = 4096)
{
	DmaBufArg arg = dma_buf_arg(2, 0, length, open_flags);
	return c.ioctl(device, 0, VFIO_DEVICE_FEATURE, reinterpret_cast<uintptr_t>(arg.data()));
}

bool cloexec(long fd)
{
	int f = ::fcntl(static_cast<int>(fd), F_GETFD);
	return f >= 0 && (f & FD_CLOEXEC);
}

TEST_F(SessionTest, TheSecondExportTakesTheSpareTheFirstTaught)
{
	EXPECT_EQ(in_child([this](Connection &c) {
			  child::Device d;
			  CHILD_CHECK(child::open_device(c, bdf_, d));
			  const auto before = c.spare_counts();
			  long first = export_page(c, d.device, O_RDWR | O_CLOEXEC);
			  CHILD_CHECK(first >= 0);
			  CHILD_CHECK(c.spare_counts().offered == before.offered);
			  const int fds = open_fds();
			  long second = export_page(c, d.device, O_RDWR | O_CLOEXEC);
			  CHILD_CHECK(second >= 0);
			  const auto after = c.spare_counts();
			  CHILD_CHECK(after.offered == before.offered + 1 && after.taken == before.taken + 1);
			  /* One fd more, the buffer's, and it is what it says. */
			  CHILD_CHECK(open_fds() == fds + 1);
			  CHILD_CHECK(cloexec(second));
			  CHILD_CHECK(child::buffer_id(c, static_cast<int>(second)) != 0);
			  CHILD_CHECK(child::buffer_id(c, static_cast<int>(second)) !=
				      child::buffer_id(c, static_cast<int>(first)));
			  CHILD_CHECK(child::close(c, static_cast<int>(second)) == 0);
			  CHILD_CHECK(child::close(c, static_cast<int>(first)) == 0);
			  return 0;
		  }),
		  0);
	EXPECT_TRUE(buffers().empty());
}

TEST_F(SessionTest, ASpareTheCallDoesNotTakeIsClosedAndNotOfferedAgain)
{
	EXPECT_EQ(in_child([this](Connection &c) {
			  child::Device d;
			  CHILD_CHECK(child::open_device(c, bdf_, d));
			  long good = export_page(c, d.device, O_RDWR | O_CLOEXEC);
			  CHILD_CHECK(good >= 0);
			  const int fds = open_fds();
			  const auto before = c.spare_counts();
			  /* The same first bytes (argsz, flags), a length the
			   * kernel refuses before it makes a stand-in. */
			  CHILD_CHECK(export_page(c, d.device, O_RDWR | O_CLOEXEC, 0) == -EINVAL);
			  auto now = c.spare_counts();
			  CHILD_CHECK(now.offered == before.offered + 1 && now.taken == before.taken);
			  CHILD_CHECK(open_fds() == fds);
			  /* Learnt: the same question offers nothing now. */
			  CHILD_CHECK(export_page(c, d.device, O_RDWR | O_CLOEXEC, 0) == -EINVAL);
			  CHILD_CHECK(c.spare_counts().offered == now.offered);
			  CHILD_CHECK(open_fds() == fds);
			  CHILD_CHECK(child::close(c, static_cast<int>(good)) == 0);
			  return 0;
		  }),
		  0);
}

TEST_F(SessionTest, ASpareMadeCloseOnExecIsNotTakenForAnFdThatIsNot)
{
	EXPECT_EQ(in_child([this](Connection &c) {
			  child::Device d;
			  CHILD_CHECK(child::open_device(c, bdf_, d));
			  long a = export_page(c, d.device, O_RDWR | O_CLOEXEC);
			  CHILD_CHECK(a >= 0 && cloexec(a));
			  const int fds = open_fds();
			  const auto before = c.spare_counts();
			  /* Offered (the first bytes are the same), not taken. */
			  long b = export_page(c, d.device, O_RDWR);
			  CHILD_CHECK(b >= 0 && !cloexec(b));
			  auto now = c.spare_counts();
			  CHILD_CHECK(now.offered == before.offered + 1 && now.taken == before.taken);
			  CHILD_CHECK(open_fds() == fds + 1);
			  /* Now the process knows: the next spare fits. */
			  long e = export_page(c, d.device, O_RDWR);
			  CHILD_CHECK(e >= 0 && !cloexec(e));
			  CHILD_CHECK(c.spare_counts().taken == now.taken + 1);
			  CHILD_CHECK(open_fds() == fds + 2);
			  for (long fd : {a, b, e})
				  CHILD_CHECK(child::close(c, static_cast<int>(fd)) == 0);
			  return 0;
		  }),
		  0);
	EXPECT_TRUE(buffers().empty());
}

} /* namespace */
} /* namespace softvfio::test */
