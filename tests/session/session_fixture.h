/* SPDX-License-Identifier: MIT */
/*
 * A session kernel in the test process (a thread), and processes that
 * join it: each test body runs in a forked child with its own Connection,
 * as a program under the shim would, and reports through its exit status.
 */
#pragma once

#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <sys/mman.h>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <softvfio/kernel.h>

#include "session/client/connection.h"
#include "session/session_helper.h"
#include "session/session_kernel.h"

namespace softvfio::test {

namespace child {
struct Pipe;
}

/* Under ThreadSanitizer a child forked from the test process (which runs
 * the session kernel's threads) "ignores everything" from the fork on:
 * threads it starts have no state (and a program's own signal handlers,
 * installed through the sanitizer, never run; the session signal's is
 * installed with the system call, so it does). Tests whose processes start
 * threads start them as new images (session_helper.h). */
class SessionTest : public ::testing::Test
{
public:
	/* Take a byte from `pipe`, which child `pid` writes: false if the
	 * child ended first (it failed; reap() says how), or the deadline
	 * passed. */
	static bool await(child::Pipe &pipe, pid_t pid);

protected:
	void SetUp() override;
	void TearDown() override;

	/* Run `body` in a child that joined the session: its result is the
	 * child's exit status (0: passed; the child says why otherwise). */
	int in_child(const std::function<int(session::Connection &)> &body);

	/* Start `body` in a child that joined the session, without waiting:
	 * its pid. Children still running when the test ends are killed. */
	pid_t spawn(const std::function<int(session::Connection &)> &body);
	/* The same, joining the session in directory `dir`. */
	pid_t spawn_in(const std::string &dir, const std::function<int(session::Connection &)> &body);
	/* Wait for a spawned child: its exit status as in_child gives it
	 * (128 + signal if killed; -1 if it did not end within the test's
	 * deadline, then it is killed). */
	int reap(pid_t pid);

	/* --- the kernel's view, from the test process (it hosts the kernel) ---
	 * Releases run on the session's threads: a process's end, a file's
	 * last close, are seen by its event loop and worker on their own time.
	 * settle() catches up with what happened until it is called: once it
	 * returns, what every process that ended held (one the test waited
	 * for, or whose parent did), every file whose last copy was closed
	 * and the mappings of every image an exec replaced are released, and
	 * so is what those releases let go (the session's work queue and the
	 * buffers' deferred releases ran); with no process left, every thread
	 * that served one has left too. The helpers below settle first, so
	 * what they report is never a race with those threads. */
	void settle();
	/* How many processes the session knows. */
	size_t processes();
	/* The device's open count (open files of it, in every process). */
	unsigned open_count();
	/* Is the buffer with this id still alive? */
	bool buffer_alive(uint64_t id);
	/* Every live buffer. */
	std::vector<BufferInfo> buffers();
	/* The ids of every live exported (not hidden) buffer. */
	std::vector<uint64_t> exported_buffers();
	/* How many stand-ins the session keeps the kernel's end of. */
	size_t standins();

	KernelOptions kernel_options_;
	std::unique_ptr<Kernel> kernel_;
	std::unique_ptr<session::SessionKernel> session_;
	std::string dir_;
	std::string bdf_;
	std::thread thread_;
	std::vector<pid_t> children_;
};

/* Wait until `fd` is readable, at most the test's deadline for another
 * process (30 s): false if it did not become readable. */
bool readable(int fd);

/* The ids of this process's threads. */
std::set<pid_t> thread_ids();
/* A thread is listed until it has exited, some time after it left its
 * body: wait (on thread pidfds, at most the test's deadline for another
 * process) until at most `kept` of `tids` are left. False if more were
 * left then. On Linux < 6.9 (no thread pidfds) it cannot wait: true. */
bool threads_exited(const std::set<pid_t> &tids, size_t kept = 0);

/* A session with edu (a register BAR0, trapped) next to the default nic. */
class EduSessionTest : public SessionTest
{
protected:
	void SetUp() override;
	/* How many register accesses reached device `bdf`'s model (edu's). */
	uint64_t model_accesses() { return model_accesses(edu_); }
	uint64_t model_accesses(const std::string &bdf);

	std::string edu_;
	unsigned group_ = 0;
};

/* Child-side helpers: the raw calls a program under the shim makes. Each
 * prints what went wrong and returns false. */
namespace child {

long open(session::Connection &c, const char *path, int flags = O_RDWR);
long ioctl(session::Connection &c, int fd, unsigned long cmd, void *arg);
long ioctl(session::Connection &c, int fd, unsigned long cmd, unsigned long arg);
/* mmap through the session, as the shim's mmap does. */
long mmap(session::Connection &c, size_t length, int prot, int fd, uint64_t offset, uintptr_t addr = 0,
	  int flags = MAP_SHARED);
long munmap(session::Connection &c, uintptr_t addr, size_t length);
/* close(2) of an emulated fd, as the shim's close does. */
long close(session::Connection &c, int fd);

/* The group way in: container + group + device fd of `bdf`. */
struct Device {
	int container = -1;
	int group = -1;
	int device = -1;
};
/* ...of `bdf` in IOMMU group `group`. */
bool open_device(session::Connection &c, const std::string &bdf, Device &out, unsigned group = 1);

/* Does reading `addr` raise SIGBUS? */
bool faults(const volatile void *addr);

/* The first page of `fd` (a device fd: BAR0's region; a DMABUF) mapped
 * through the session, at `at` (MAP_FIXED) if not 0; null if that
 * failed. */
char *map_page(session::Connection &c, int fd, int prot, uintptr_t at = 0);
/* pread/pwrite of region 0 (BAR0) of `fd` through the session: the
 * region's bytes without a mapping (no register access is trapped or
 * counted). The count, or -errno. */
long pread0(session::Connection &c, int fd, void *buf, size_t n, uint64_t offset);
long pwrite0(session::Connection &c, int fd, const void *buf, size_t n, uint64_t offset);
/* A register of a mapped BAR. */
inline volatile uint32_t *reg32(char *bar, uint64_t offset)
{
	return reinterpret_cast<volatile uint32_t *>(bar + offset);
}
inline volatile uint64_t *reg64(char *bar, uint64_t offset)
{
	return reinterpret_cast<volatile uint64_t *>(bar + offset);
}

/* VFIO_GET_API_VERSION on a container answers the version. */
bool api_version_works(session::Connection &c, int container);
/* GET_REGION_INFO of BAR2 answers a size. */
bool region_info_works(session::Connection &c, int device);
/* Calls on the device that take each of its locks: region info, config
 * (memory off and on: memory_lock for writing and a revoke), a BAR mapping
 * (mmap_lock, the buffer lists), an export and its release. 0 if all
 * worked. */
int device_calls(session::Connection &c, const Device &d);

/* fork() as the shim's atfork handlers do it: the child is in the session
 * (with copies of the caller's fds and mappings) when this returns. */
pid_t fork(session::Connection &c);
/* Wait for a child; its exit status (128 + signal if killed). */
int wait(pid_t pid);

/* PCI_COMMAND's memory enable, through the config region. */
bool set_memory(session::Connection &c, int device, bool on);

/* VFIO_DEVICE_FEATURE_DMA_BUF: export [offset, offset + length) of BAR
 * `bar` as a dma-buf; its fd or -errno. */
long export_dmabuf(session::Connection &c, int device, unsigned bar, uint64_t offset, uint64_t length);
/* The default profile's REVOKE (series-v4: feature 13, SET). */
long revoke_dmabuf(session::Connection &c, int device, int dmabuf);
/* Op::BufferOf: the id of the buffer behind a dma-buf fd, 0 if none. */
uint64_t buffer_id(session::Connection &c, int dmabuf);

/* SCM_RIGHTS: send `fd` over the unix socket `sock` (one byte of data
 * with it); receive one (the new fd, or -errno). */
bool send_fd(int sock, int fd);
int recv_fd(int sock);

/* One byte over a pipe, to step two processes through a scenario. */
struct Pipe {
	int fds[2] = {-1, -1};
	Pipe();
	void post();
	/* False if nothing came within the test's deadline (the other side
	 * died or hangs) or the pipe hit end of file. */
	bool take();
};

/* This process's own mailbox (the one its Connection mapped when it
 * joined), found in /proc/self/maps: a child forked from the test process
 * inherits the kernel's mappings of the mailboxes that existed then. */
session::wire::Mailbox *own_mailbox();
/* Remember the mailboxes this process maps before it joins (the
 * fixture's children do it right after fork). */
void note_inherited_mailboxes();

/* In a child: the same as a helper role's check (session_helper.h). */
#define CHILD_CHECK(cond) HELPER_CHECK(cond)

} /* namespace child */

} /* namespace softvfio::test */
