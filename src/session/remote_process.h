/* SPDX-License-Identifier: MIT */
/*
 * RemoteProcess: a process of the session, as the session kernel reaches
 * it from outside (base/host_process.h): its memory with
 * process_vm_readv/writev, its fds with pidfd_getfd, its files under
 * /proc/<pid>. All three need ptrace access to it, which a process of the
 * same user grants (and, where Yama restricts ptrace to descendants, the
 * shim grants the kernel explicitly with PR_SET_PTRACER when it joins).
 *
 * The pidfd pins the pid: once the process is gone every call fails (ESRCH
 * becomes EFAULT for memory, EBADF for fds), never reaching a process that
 * took the number over.
 */
#pragma once

#include <atomic>
#include <string>

#include <softvfio/base/unique_fd.h>

#include "base/host_process.h"

namespace softvfio::session {

class RemoteProcess final : public HostProcess
{
public:
	RemoteProcess(pid_t pid, UniqueFD pidfd);

	/* A fork's child record learns its process when it takes over. */
	void bind(pid_t pid, UniqueFD pidfd);

	bool is_self() const override { return false; }
	pid_t pid() const override { return pid_.load(std::memory_order_acquire); }
	int pidfd() const { return pidfd_.get(); }
	/* Has it exited (its pidfd is readable)? */
	bool exited() const;

	/* Looking at one of a process's fds (pidfd_getfd, or stat and
	 * readlink of /proc/<pid>/fd/<n>) holds its file while the look
	 * runs, so a close of the last copy in the process releases it only
	 * when the look ends, a moment later. This returns once no look that
	 * began before it is still running, in any process's RemoteProcess:
	 * a hang-up not seen then is not a look's doing. */
	static void wait_for_fd_looks();

	Result<void> read_memory(void *dst, uintptr_t src, size_t n) override;
	Result<void> write_memory(uintptr_t dst, const void *src, size_t n) override;
	Result<UniqueFD> take_fd(int fd) override;
	Result<FileIdentity> fd_identity(int fd) override;
	Result<std::string> fd_link(int fd) override;
	std::string proc_file(std::string_view name) const override;

private:
	std::string fd_path(int fd) const;

	std::atomic<pid_t> pid_;
	UniqueFD pidfd_;
};

} /* namespace softvfio::session */
