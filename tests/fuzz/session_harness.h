/* SPDX-License-Identifier: MIT */
/*
 * The session fuzz_session speaks to, once per fuzzer process: a Kernel
 * with two devices (nic and ivshmem-plain), a SessionKernel serving it on
 * a thread of its own, the zygote of the puppets (session_puppet.h), and
 * a well-behaved process: a session::Connection of the fuzzer's own,
 * joined at start-up (the kernel serves the process it runs in as any
 * other: process_vm_readv and pidfd_getfd work on oneself).
 *
 * After each input, settle() waits until the session let go of everything
 * the input's processes held, stepping the event loop (a malformed join it
 * answers after what it saw before) and the session's worker (a task of
 * its own) rather than sleeping; health_check() has the well-behaved
 * process open the container, the group and the device and close them.
 */
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <softvfio/kernel.h>

#include "fuzz/session_puppet.h"
#include "session/client/connection.h"
#include "session/client_process.h"
#include "session/session_kernel.h"

namespace softvfio::fuzz {

using Records = std::vector<std::weak_ptr<session::ClientProcess>>;

inline constexpr uint64_t kMs = 1'000'000;

uint64_t now_ns();
/* Threads of this process (/proc/self/status). */
long thread_count();

class Harness
{
public:
	/* Made on first use; lives as long as the process (its threads do). */
	static Harness &get();

	/* Within 5 s, every record in `records` is destroyed, and the session
	 * holds no record but the well-behaved process's, no stand-in, no
	 * DMABUF, no open device, and no fd it did not hold after the
	 * warm-up; else the input fails. `reap` takes over fork records that
	 * appear meanwhile (a ForkPrepare still running when its process
	 * died), which would otherwise wait out the session's grace period. */
	void settle(Records &records, const std::function<void(Records &)> &reap);
	/* The well-behaved process is served (a watchdog fails the input if
	 * a call hangs for 5 s). */
	void health_check();
	/* The fds the session holds for itself: after the warm-up. */
	void take_baseline();

	Kernel &kernel() { return *kernel_; }
	session::SessionKernel &session() { return *session_; }
	puppet::Zygote &zygote() { return zygote_; }
	const std::string &bdf(unsigned i) const { return bdf_[i & 1]; }
	unsigned group(unsigned i) const { return group_[i & 1]; }

private:
	Harness();
	std::string dirty(const Records &records);
	bool loop_barrier();
	void worker_barrier(uint64_t end);
	void watchdog();

	std::string dir_, sock_;
	std::unique_ptr<Kernel> kernel_;
	std::string bdf_[2];
	unsigned group_[2] = {0, 0};
	std::unique_ptr<session::SessionKernel> session_;
	puppet::Zygote zygote_;
	session::Connection health_;
	std::atomic<uint32_t> watch_{0};   /* odd: the health check is running */
	std::set<std::string> fds_;
};

} /* namespace softvfio::fuzz */
