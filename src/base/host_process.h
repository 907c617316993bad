/* SPDX-License-Identifier: MIT */
/*
 * HostProcess: the real process a model process stands for.
 *
 * The kernel reaches the calling process's memory (copy_from_user), its
 * fds (an eventfd handed to SET_IRQS, a memfd handed to IOAS_MAP_FILE) and
 * its /proc files through `current`. In process (the library, its tests,
 * the in-process client backend) that is this very process. The session
 * kernel serves other processes and reaches them from outside: their
 * memory with process_vm_readv/writev, their fds with pidfd_getfd, their
 * files under /proc/<pid>.
 *
 * current_host() is the process the calling thread acts for: set by a
 * HostScope (the session kernel sets one per call), this process
 * otherwise.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <sys/types.h>

#include <softvfio/base/result.h>
#include <softvfio/base/unique_fd.h>

#include "base/memfd.h"

namespace softvfio {

class HostProcess : public std::enable_shared_from_this<HostProcess>
{
public:
	virtual ~HostProcess() = default;

	/* Is this the process the model runs in? */
	virtual bool is_self() const = 0;
	/* Its pid as this process sees it. */
	virtual pid_t pid() const = 0;

	/* Its memory, with EFAULT for an address it cannot reach. */
	virtual Result<void> read_memory(void *dst, uintptr_t src, size_t n) = 0;
	virtual Result<void> write_memory(uintptr_t dst, const void *src, size_t n) = 0;

	/* A copy (in this process, close-on-exec) of its open fd `fd`:
	 * EBADF if it has no such fd. */
	virtual Result<UniqueFD> take_fd(int fd) = 0;
	/* The kernel identity (st_dev, st_ino) of its fd `fd`: EBADF. */
	virtual Result<FileIdentity> fd_identity(int fd) = 0;
	/* The /proc link text of its fd `fd` ("anon_inode:[eventfd]",
	 * "socket:[123]", ...): EBADF. */
	virtual Result<std::string> fd_link(int fd) = 0;

	/* One of its /proc files by name ("maps", "pagemap"), as a path this
	 * process can open. */
	virtual std::string proc_file(std::string_view name) const = 0;

	/* A reference to keep beyond the call (current_remote_host_ref): a
	 * view of the process that lives only for one call (a recording, a
	 * read-ahead window) gives the process's own. */
	virtual std::shared_ptr<HostProcess> lasting_ref() { return shared_from_this(); }
	/* The same process with copies that never reach device registers
	 * (a register-aware view gives the view it wraps): where a string
	 * ends is looked for in plain memory first (copy_string_from_user). */
	virtual HostProcess &plain() { return *this; }
};

/* A view of a process for the length of one call (a recording, a
 * read-ahead window, register-aware copies): everything is the process's
 * own but the way to its memory, which the view's class gives. */
class HostProcessView : public HostProcess
{
public:
	explicit HostProcessView(HostProcess &inner) : inner_(inner) {}

	bool is_self() const override { return inner_.is_self(); }
	pid_t pid() const override { return inner_.pid(); }
	Result<void> read_memory(void *dst, uintptr_t src, size_t n) override { return inner_.read_memory(dst, src, n); }
	Result<void> write_memory(uintptr_t dst, const void *src, size_t n) override
	{
		return inner_.write_memory(dst, src, n);
	}
	Result<UniqueFD> take_fd(int fd) override { return inner_.take_fd(fd); }
	Result<FileIdentity> fd_identity(int fd) override { return inner_.fd_identity(fd); }
	Result<std::string> fd_link(int fd) override { return inner_.fd_link(fd); }
	std::string proc_file(std::string_view name) const override { return inner_.proc_file(name); }
	/* The process's own: the view ends with the call. */
	std::shared_ptr<HostProcess> lasting_ref() override { return inner_.lasting_ref(); }

protected:
	HostProcess &inner_;
};

/* This process. */
HostProcess &self_process();
std::shared_ptr<HostProcess> self_process_ref();

/* The process the calling thread acts for. */
HostProcess &current_host() noexcept;
/* The same, or null when it is this process (the fast path of the
 * user copies). */
HostProcess *current_remote_host() noexcept;
/* A reference to the calling process to keep beyond the call (memory a
 * device reaches later by DMA), or null when it is this process. */
std::shared_ptr<HostProcess> current_remote_host_ref();

/* RAII: the calling thread acts for `host` while it lives. */
class HostScope
{
public:
	explicit HostScope(HostProcess &host) noexcept;
	~HostScope();
	HostScope(const HostScope &) = delete;
	HostScope &operator=(const HostScope &) = delete;

private:
	HostProcess *saved_;
};

} /* namespace softvfio */
