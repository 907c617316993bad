/* SPDX-License-Identifier: MIT */
/*
 * One kernel for the whole session: files and buffers are the same
 * objects in every process, and they are released at the last close
 * anywhere (a fork's copies, copies passed with SCM_RIGHTS, copies in
 * flight in a message), or when the process holding the last reference is
 * killed.
 *
 * The test process hosts the kernel, so it reads the kernel's state
 * (open counts, live buffers) directly; the children step through each
 * scenario with pipes, and the test checks the kernel at each step.
 */
#include <csignal>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

#include "session/session_fixture.h"
#include "session/session_helper.h"

namespace softvfio::test {
namespace {

using session::Connection;
using session::wire::Op;

constexpr uint64_t kBar2 = uint64_t(VFIO_PCI_BAR2_REGION_INDEX) << 40;
constexpr int64_t kCommand = (int64_t(VFIO_PCI_CONFIG_REGION_INDEX) << 40) + 4;
constexpr uint16_t kBusMaster = 0x4;
constexpr size_t kBufLen = 0x10000;

/* A scenario's steps: the child says it reached one, the test checks the
 * kernel and lets it go on. */
struct Steps {
	child::Pipe up, down;
	/* In the child. */
	bool reached()
	{
		up.post();
		return down.take();
	}
	/* In the test: `pid` is the child that steps. */
	bool wait(pid_t pid) { return SessionTest::await(up, pid); }
	void resume() { down.post(); }
};

uint16_t command(Connection &c, int device)
{
	uint16_t cmd = 0xffff;
	if (c.call(Op::Pread, {device, reinterpret_cast<int64_t>(&cmd), 2, kCommand}) != 2)
		return 0xffff;
	return cmd;
}

bool set_command(Connection &c, int device, uint16_t cmd)
{
	return c.call(Op::Pwrite, {device, reinterpret_cast<int64_t>(&cmd), 2, kCommand}) == 2;
}

bool region_info_works(Connection &c, int device)
{
	vfio_region_info info{};
	info.argsz = sizeof(info);
	info.index = VFIO_PCI_BAR2_REGION_INDEX;
	return child::ioctl(c, device, VFIO_DEVICE_GET_REGION_INFO, &info) == 0 && info.size > 0;
}

/* --- a fork's copies --- */

TEST_F(SessionTest, AForkChildsCloseOfTheDeviceFdLeavesTheParentsFileOpen)
{
	Steps steps;
	pid_t parent = spawn([&](Connection &c) {
		child::Device d;
		CHILD_CHECK(child::open_device(c, bdf_, d));
		/* State the device's release and a new first open would reset. */
		CHILD_CHECK(set_command(c, d.device, command(c, d.device) | kBusMaster));
		child::Pipe closed, go;
		pid_t kid = child::fork(c);
		if (kid == 0) {
			CHILD_CHECK(child::close(c, d.device) == 0);
			closed.post();
			CHILD_CHECK(go.take());
			::_exit(0);
		}
		CHILD_CHECK(closed.take());
		CHILD_CHECK(steps.reached());   /* 1: the child closed its copy */
		CHILD_CHECK(region_info_works(c, d.device));
		CHILD_CHECK(command(c, d.device) & kBusMaster);
		/* A second open of the device through the group: as with one
		 * open file already, the device is not enabled afresh. */
		long second = child::ioctl(c, d.group, VFIO_GROUP_GET_DEVICE_FD, const_cast<char *>(bdf_.c_str()));
		CHILD_CHECK(second >= 0);
		CHILD_CHECK(second != d.device);
		CHILD_CHECK(command(c, static_cast<int>(second)) & kBusMaster);
		CHILD_CHECK(steps.reached());   /* 2: two files */
		CHILD_CHECK(child::close(c, static_cast<int>(second)) == 0);
		go.post();
		CHILD_CHECK(child::wait(kid) == 0);
		CHILD_CHECK(steps.reached());   /* 3: the child is gone, one file */
		CHILD_CHECK(region_info_works(c, d.device));
		CHILD_CHECK(child::close(c, d.device) == 0);
		CHILD_CHECK(steps.reached());   /* 4: no file left */
		return 0;
	});
	ASSERT_GT(parent, 0);
	ASSERT_TRUE(steps.wait(parent));
	EXPECT_EQ(open_count(), 1u);
	steps.resume();
	ASSERT_TRUE(steps.wait(parent));
	EXPECT_EQ(open_count(), 2u);
	steps.resume();
	ASSERT_TRUE(steps.wait(parent));
	EXPECT_EQ(open_count(), 1u);
	steps.resume();
	ASSERT_TRUE(steps.wait(parent));
	EXPECT_EQ(open_count(), 0u);
	steps.resume();
	EXPECT_EQ(reap(parent), 0);
}

TEST_F(SessionTest, TheParentsCloseLeavesTheForkChildsCopyWorkingUntilItClosesToo)
{
	Steps steps;
	pid_t parent = spawn([&](Connection &c) {
		child::Device d;
		CHILD_CHECK(child::open_device(c, bdf_, d));
		child::Pipe closed, go;
		pid_t kid = child::fork(c);
		if (kid == 0) {
			CHILD_CHECK(go.take());
			CHILD_CHECK(region_info_works(c, d.device));
			CHILD_CHECK(steps.reached());   /* 2: the child's copy works */
			CHILD_CHECK(child::close(c, d.device) == 0);
			CHILD_CHECK(steps.reached());   /* 3: the last copy closed */
			::_exit(0);
		}
		CHILD_CHECK(child::close(c, d.device) == 0);
		CHILD_CHECK(steps.reached());   /* 1: the parent closed its copy */
		go.post();
		CHILD_CHECK(child::wait(kid) == 0);
		return 0;
	});
	ASSERT_GT(parent, 0);
	ASSERT_TRUE(steps.wait(parent));
	EXPECT_EQ(open_count(), 1u);
	steps.resume();
	ASSERT_TRUE(steps.wait(parent));
	EXPECT_EQ(open_count(), 1u);
	steps.resume();
	ASSERT_TRUE(steps.wait(parent));
	EXPECT_EQ(open_count(), 0u);
	steps.resume();
	EXPECT_EQ(reap(parent), 0);
}

/* close(2) of the last copy runs the file's release before it returns:
 * the group is free again for the very next open, the device closed. */
TEST_F(SessionTest, TheLastCloseReleasesBeforeItReturns)
{
	Steps steps;
	pid_t p = spawn([&](Connection &c) {
		for (int i = 0; i < 200; i++) {
			long group = child::open(c, "/dev/vfio/1");
			CHILD_CHECK(group >= 0);
			CHILD_CHECK(child::close(c, static_cast<int>(group)) == 0);
		}
		child::Device d;
		CHILD_CHECK(child::open_device(c, bdf_, d));
		CHILD_CHECK(steps.reached());   /* 1: the device is open */
		CHILD_CHECK(child::close(c, d.device) == 0);
		CHILD_CHECK(steps.reached());   /* 2: closed */
		return 0;
	});
	ASSERT_TRUE(steps.wait(p));
	EXPECT_EQ(open_count(), 1u);
	steps.resume();
	ASSERT_TRUE(steps.wait(p));
	EXPECT_EQ(open_count(), 0u);
	steps.resume();
	EXPECT_EQ(reap(p), 0);
}

/* --- SCM_RIGHTS between processes that joined on their own --- */

/* The sender: opens the device, fills the BAR range, exports it and sends
 * the dma-buf over `sock`. Returns its fds in `d` and `buf`. */
int export_and_send(Connection &c, const std::string &bdf, int sock, child::Device &d, int &buf, uint64_t &id)
{
	CHILD_CHECK(child::open_device(c, bdf, d));
	for (uint32_t i = 0; i < 16; i++) {
		uint32_t v = 0xc0de0000u | i;
		CHILD_CHECK(c.call(Op::Pwrite, {d.device, reinterpret_cast<int64_t>(&v), 4,
						static_cast<int64_t>(kBar2 + i * 4096)}) == 4);
	}
	long fd = child::export_dmabuf(c, d.device, VFIO_PCI_BAR2_REGION_INDEX, 0, kBufLen);
	CHILD_CHECK(fd >= 0);
	buf = static_cast<int>(fd);
	id = child::buffer_id(c, buf);
	CHILD_CHECK(id != 0);
	CHILD_CHECK(child::send_fd(sock, buf));
	return 0;
}

/* The receiver is a program of its own (session_helper receiver, started
 * by the test process with its end of the socket pair). */
TEST_F(SessionTest, ADmabufPassedWithScmRightsMapsTheSameBytesAndTheSendersRevokeFaultsIt)
{
	int sv[2];
	ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	child::Pipe mapped, revoked;
	pid_t receiver = helper::exec_helper({"receiver", dir_, "-", std::to_string(sv[1]), std::to_string(kBufLen),
					      std::to_string(mapped.fds[1]), std::to_string(revoked.fds[0])},
					     {sv[1], mapped.fds[1], revoked.fds[0]});
	ASSERT_GT(receiver, 0);
	children_.push_back(receiver);
	pid_t sender = spawn([&](Connection &c) {
		child::Device d;
		int buf = -1;
		uint64_t id = 0;
		if (int r = export_and_send(c, bdf_, sv[0], d, buf, id))
			return r;
		CHILD_CHECK(mapped.take());
		CHILD_CHECK(child::revoke_dmabuf(c, d.device, buf) == 0);
		/* The receiver's mapping faults from here on. */
		revoked.post();
		return 0;
	});
	::close(sv[0]);
	::close(sv[1]);
	EXPECT_EQ(reap(sender), 0);
	EXPECT_EQ(reap(receiver), 0);
}

TEST_F(SessionTest, TheReceiversCloseOfTheOnlyCopyReleasesTheBuffer)
{
	int sv[2];
	ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	Steps steps;
	child::Pipe go;
	uint64_t *shared_id = static_cast<uint64_t *>(
		::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	ASSERT_NE(shared_id, MAP_FAILED);
	pid_t sender = spawn([&](Connection &c) {
		child::Device d;
		int buf = -1;
		uint64_t id = 0;
		if (int r = export_and_send(c, bdf_, sv[0], d, buf, id))
			return r;
		*shared_id = id;
		/* Long before the receiver even looks at the message. */
		CHILD_CHECK(child::close(c, buf) == 0);
		CHILD_CHECK(steps.reached());   /* 1: only the copy in flight */
		return 0;
	});
	ASSERT_TRUE(steps.wait(sender));
	const uint64_t id = *shared_id;
	ASSERT_NE(id, 0u);
	EXPECT_TRUE(buffer_alive(id));
	steps.resume();
	EXPECT_EQ(reap(sender), 0);
	/* The sender is gone: the message still holds a copy. */
	EXPECT_EQ(processes(), 0u);
	EXPECT_TRUE(buffer_alive(id));

	pid_t receiver = spawn([&](Connection &c) {
		int fd = child::recv_fd(sv[1]);
		CHILD_CHECK(fd >= 0);
		CHILD_CHECK(child::buffer_id(c, fd) == *shared_id);
		CHILD_CHECK(steps.reached());   /* 2: the receiver holds the only copy */
		CHILD_CHECK(child::close(c, fd) == 0);
		CHILD_CHECK(steps.reached());   /* 3: closed */
		return 0;
	});
	ASSERT_TRUE(steps.wait(receiver));
	EXPECT_TRUE(buffer_alive(id));
	steps.resume();
	ASSERT_TRUE(steps.wait(receiver));
	EXPECT_FALSE(buffer_alive(id));
	steps.resume();
	EXPECT_EQ(reap(receiver), 0);
	::close(sv[0]);
	::close(sv[1]);
	::munmap(shared_id, 4096);
}

/* The sender closes its copy and exits; only an unread SCM_RIGHTS message
 * holds the buffer. */
class InFlightTest : public SessionTest
{
protected:
	void send_and_leave()
	{
		ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv_), 0);
		uint64_t *shared_id = static_cast<uint64_t *>(
			::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
		ASSERT_NE(shared_id, MAP_FAILED);
		pid_t sender = spawn([&](Connection &c) {
			child::Device d;
			int buf = -1;
			uint64_t id = 0;
			if (int r = export_and_send(c, bdf_, sv_[0], d, buf, id))
				return r;
			*shared_id = id;
			CHILD_CHECK(child::close(c, buf) == 0);
			return 0;
		});
		ASSERT_EQ(reap(sender), 0);
		id_ = *shared_id;
		::munmap(shared_id, 4096);
		ASSERT_NE(id_, 0u);
		ASSERT_EQ(processes(), 0u);
		/* Nobody in the session holds it: the message does. */
		ASSERT_TRUE(buffer_alive(id_));
	}
	void TearDown() override
	{
		for (int fd : sv_)
			if (fd >= 0)
				::close(fd);
		SessionTest::TearDown();
	}

	int sv_[2] = {-1, -1};
	uint64_t id_ = 0;
};

TEST_F(InFlightTest, ACopyInAnUnreadMessageKeepsTheBufferUntilTheSocketIsClosed)
{
	send_and_leave();
	::close(sv_[0]);
	sv_[0] = -1;
	EXPECT_TRUE(buffer_alive(id_));
	/* The receiving end goes with the message in its queue. */
	::close(sv_[1]);
	sv_[1] = -1;
	EXPECT_FALSE(buffer_alive(id_));
}

TEST_F(InFlightTest, ACopyInAnUnreadMessageKeepsTheBufferUntilTheMessageIsDrained)
{
	send_and_leave();
	/* Read the message without room for its fds: the kernel closes them. */
	char byte;
	struct iovec iov{&byte, 1};
	struct msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	ASSERT_EQ(::recvmsg(sv_[1], &msg, 0), 1);
	EXPECT_TRUE(msg.msg_flags & MSG_CTRUNC);
	EXPECT_FALSE(buffer_alive(id_));
}

/* --- SIGKILL --- */

TEST_F(SessionTest, AProcessKilledWithSigkillDropsItsFdsAndItsMappings)
{
	Steps steps;
	uint64_t *shared_id = static_cast<uint64_t *>(
		::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	ASSERT_NE(shared_id, MAP_FAILED);
	pid_t victim = spawn([&](Connection &c) {
		child::Device d;
		CHILD_CHECK(child::open_device(c, bdf_, d));
		long buf = child::export_dmabuf(c, d.device, VFIO_PCI_BAR2_REGION_INDEX, 0, kBufLen);
		CHILD_CHECK(buf >= 0);
		*shared_id = child::buffer_id(c, static_cast<int>(buf));
		long p = child::mmap(c, kBufLen, PROT_READ | PROT_WRITE, static_cast<int>(buf), 0);
		CHILD_CHECK(p > 0);
		/* Only the mapping holds the buffer now. */
		CHILD_CHECK(child::close(c, static_cast<int>(buf)) == 0);
		CHILD_CHECK(!child::faults(reinterpret_cast<void *>(p)));
		steps.up.post();
		::pause();
		return 1;
	});
	ASSERT_TRUE(steps.wait(victim));
	const uint64_t id = *shared_id;
	ASSERT_NE(id, 0u);
	EXPECT_EQ(open_count(), 1u);
	EXPECT_TRUE(buffer_alive(id));
	ASSERT_EQ(::kill(victim, SIGKILL), 0);
	EXPECT_EQ(reap(victim), 128 + SIGKILL);
	EXPECT_EQ(open_count(), 0u);
	EXPECT_FALSE(buffer_alive(id));
	EXPECT_EQ(processes(), 0u);
	::munmap(shared_id, 4096);
}

/* A number closed and taken by a new file before the process tells the
 * kernel of the close (another thread's open got it): the old file's
 * release is done in the call that found the number reused, and the late
 * word of the close leaves the new file alone. */
TEST_F(SessionTest, ACloseToldAfterItsNumberWasReusedReleasesTheOldFileOnly)
{
	int status = in_child([&](Connection &c) {
		const long group = child::open(c, "/dev/vfio/1");
		CHILD_CHECK(group >= 0);
		/* Closed, and not told yet. */
		CHILD_CHECK(::close(static_cast<int>(group)) == 0);
		const long container = child::open(c, "/dev/vfio/vfio");
		CHILD_CHECK(container == group);
		/* The group was released before that open returned. */
		const long again = child::open(c, "/dev/vfio/1");
		CHILD_CHECK(again >= 0);
		CHILD_CHECK(child::close(c, static_cast<int>(again)) == 0);
		/* The late word of the first close. */
		CHILD_CHECK(c.call(Op::Closed, {group}) == 0);
		CHILD_CHECK(child::ioctl(c, static_cast<int>(container), VFIO_GET_API_VERSION, 0ul) == VFIO_API_VERSION);
		CHILD_CHECK(child::close(c, static_cast<int>(container)) == 0);
		return 0;
	});
	EXPECT_EQ(status, 0);
	EXPECT_EQ(standins(), 0u);
}

/* An exec of an image that does not join (no shim): its old image's
 * mappings go at once, as at any exec, and what only they held is
 * released (the BAR mapping's device, the DMABUF mapping's buffer); the
 * process stays in the session until it exits. */
TEST_F(SessionTest, AnExecWithoutTheShimDropsTheOldImagesMappings)
{
	uint64_t *shared_id = static_cast<uint64_t *>(
		::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	ASSERT_NE(shared_id, MAP_FAILED);
	int input[2], output[2];
	ASSERT_EQ(::pipe2(input, O_CLOEXEC), 0);
	ASSERT_EQ(::pipe2(output, O_CLOEXEC), 0);
	pid_t execer = spawn([&](Connection &c) {
		child::Device d;
		CHILD_CHECK(child::open_device(c, bdf_, d));
		long buf = child::export_dmabuf(c, d.device, VFIO_PCI_BAR2_REGION_INDEX, 0, kBufLen);
		CHILD_CHECK(buf >= 0);
		*shared_id = child::buffer_id(c, static_cast<int>(buf));
		CHILD_CHECK(child::mmap(c, kBufLen, PROT_READ, static_cast<int>(buf), 0) > 0);
		CHILD_CHECK(child::mmap(c, kBufLen, PROT_READ, d.device, uint64_t(VFIO_PCI_BAR2_REGION_INDEX) << 40) > 0);
		/* Only the mappings hold the buffer and the device across the
		 * exec (the device fd is close-on-exec). */
		CHILD_CHECK(child::close(c, static_cast<int>(buf)) == 0);
		CHILD_CHECK(::dup2(input[0], 0) == 0);
		CHILD_CHECK(::dup2(output[1], 1) == 1);
		CHILD_CHECK(c.call(Op::ExecPrepare, {}) == 0);
		/* A plain program: it echoes its input until the test closes it. */
		::execl("/bin/cat", "cat", static_cast<char *>(nullptr));
		return 127;
	});
	::close(input[0]);
	::close(output[1]);
	/* A byte echoed by cat: the exec is done, the old image gone. */
	char byte = 'x';
	ASSERT_EQ(::write(input[1], &byte, 1), 1);
	ASSERT_TRUE(readable(output[0]));
	ASSERT_EQ(::read(output[0], &byte, 1), 1);
	const uint64_t id = *shared_id;
	ASSERT_NE(id, 0u);
	EXPECT_EQ(open_count(), 0u);
	EXPECT_FALSE(buffer_alive(id));
	EXPECT_EQ(processes(), 1u);
	::close(input[1]);
	EXPECT_EQ(reap(execer), 0);
	EXPECT_EQ(processes(), 0u);
	::close(output[0]);
	::munmap(shared_id, 4096);
}

/* --- a process that has ended --- */

/* On Linux a process's files are released before its parent can see it
 * has ended: once wait() returns, the group it held is free to open. The
 * session sees the hang-ups of the stand-ins on its own time, so an open
 * settles what has ended first. Many rounds: the event loop often wins. */
TEST_F(SessionTest, AGroupHeldByAProcessThatEndedIsFreeOnceItsParentWaited)
{
	for (int round = 0; round < 30; round++) {
		ASSERT_EQ(in_child([&](Connection &c) {
				  child::Device d;
				  CHILD_CHECK(child::open_device(c, bdf_, d));
				  /* Ends holding the container, the group and the device. */
				  return 0;
			  }),
			  0)
			<< "round " << round;
	}
}

/* A mapping of the BAR holds the device open; the process's end drops it,
 * so the next open is the device's first again (vfio-pci resets the
 * function then: bus mastering the ended process set is off). */
TEST_F(SessionTest, ADeviceHeldByAnEndedProcesssMappingIsClosedOnceItsParentWaited)
{
	for (int round = 0; round < 10; round++) {
		ASSERT_EQ(in_child([&](Connection &c) {
				  child::Device d;
				  CHILD_CHECK(child::open_device(c, bdf_, d));
				  CHILD_CHECK(set_command(c, d.device, command(c, d.device) | kBusMaster));
				  CHILD_CHECK(child::mmap(c, kBufLen, PROT_READ | PROT_WRITE, d.device, kBar2) > 0);
				  for (int fd : {d.device, d.group, d.container})
					  CHILD_CHECK(child::close(c, fd) == 0);
				  /* Only the mapping holds the device now. */
				  return 0;
			  }),
			  0)
			<< "round " << round;
		ASSERT_EQ(in_child([&](Connection &c) {
				  child::Device d;
				  CHILD_CHECK(child::open_device(c, bdf_, d));
				  CHILD_CHECK(!(command(c, d.device) & kBusMaster));
				  return 0;
			  }),
			  0)
			<< "round " << round;
	}
}

} /* namespace */
} /* namespace softvfio::test */
