/* SPDX-License-Identifier: MIT */
/*
 * A session kernel in the test process (a thread), and processes that
 * join it: each test body runs in a forked child with its own Connection,
 * as a program under the shim would, and reports through its exit status.
 */
#pragma once

#include <cstdio>
#include <fcntl.h>
#include <functional>
#include <memory>
#include <string>
#include <sys/mman.h>
#include <thread>

#include <gtest/gtest.h>

#include <softvfio/kernel.h>

#include "session/client/connection.h"
#include "session/session_kernel.h"

namespace softvfio::test {

class SessionTest : public ::testing::Test
{
protected:
	void SetUp() override;
	void TearDown() override;

	/* Run `body` in a child that joined the session: its result is the
	 * child's exit status (0: passed; the child says why otherwise). */
	int in_child(const std::function<int(session::Connection &)> &body);

	/* How many processes the session knows. */
	size_t processes() { return session_->processes().size(); }

	KernelOptions kernel_options_;
	std::unique_ptr<Kernel> kernel_;
	std::unique_ptr<session::SessionKernel> session_;
	std::string dir_;
	std::string bdf_;
	std::thread thread_;
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
bool open_device(session::Connection &c, const std::string &bdf, Device &out);

/* Does reading `addr` raise SIGBUS? */
bool faults(const volatile void *addr);

/* fork() as the shim's atfork handlers do it: the child is in the session
 * (with copies of the caller's fds and mappings) when this returns. */
pid_t fork(session::Connection &c);
/* Wait for a child; its exit status (128 + signal if killed). */
int wait(pid_t pid);

/* PCI_COMMAND's memory enable, through the config region. */
bool set_memory(session::Connection &c, int device, bool on);

/* One byte over a pipe, to step two processes through a scenario. */
struct Pipe {
	int fds[2] = {-1, -1};
	Pipe();
	void post();
	bool take();
};

#define CHILD_CHECK(cond)                                                                      \
	do {                                                                                    \
		if (!(cond)) {                                                                  \
			std::fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #cond); \
			return 1;                                                               \
		}                                                                               \
	} while (0)

} /* namespace child */

} /* namespace softvfio::test */
