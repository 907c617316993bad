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
#include "mm/mm.h"

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
	/* As much of a copy as process_vm_readv/writev make, up to the first
	 * page they cannot reach: the bytes copied (n when all were). */
	size_t transfer(void *local, uintptr_t remote, size_t n, bool write);
	Result<UniqueFD> take_fd(int fd) override;
	Result<FileIdentity> fd_identity(int fd) override;
	Result<std::string> fd_link(int fd) override;
	std::string proc_file(std::string_view name) const override;

private:
	std::string fd_path(int fd) const;

	std::atomic<pid_t> pid_;
	UniqueFD pidfd_;
};

/*
 * The calling process's memory as a system call of the session kernel
 * reaches it (dispatch.cc: read, write, pread, pwrite, ioctl, and the
 * other calls that copy user memory). A buffer in a register mapping of
 * the process (a BAR or DMABUF mapping laid PROT_NONE and trapped,
 * docs/trap.md) cannot be reached with process_vm_readv/writev; Linux's
 * copy_to_user/copy_from_user fault there and vfio's fault handler lets
 * the copy through to the device. So where a copy stops at a page it
 * cannot reach, the rest of that page goes through the process's Mm as
 * register accesses (mm::Mm::register_copy), and plain memory after it
 * through process_vm_readv/writev again. A page that is no live register
 * VMA of the process (unmapped, revoked, remapped meanwhile) is EFAULT, as
 * before.
 *
 * A register access takes the Mm's mmap_lock, the buffer's resv and
 * memory_lock. A copy the model makes while holding one of those (they are
 * base/tracked_mutex.h's, and the thread's count of them is known) is
 * refused by Mm::register_copy with EFAULT before any access: ioctl
 * handlers copy their arguments before they lock, so nearly every copy
 * works; the few made under such a lock stay EFAULT (docs/trap.md).
 *
 * The fast path is one process_vm_readv/writev (through `first`, a
 * read-ahead window for an ioctl, when given); the registers are looked at
 * only after it failed, and then the copy is made again from its start,
 * the plain pages (the same bytes) as RemoteProcess copies them.
 */
class RegisterCopyHost final : public HostProcessView
{
public:
	RegisterCopyHost(RemoteProcess &inner, mm::Mm &mm) : RegisterCopyHost(inner, inner, mm) {}
	/* `first`: the view a copy is tried through first (its memory must be
	 * `remote`'s); register pages are never read through it. */
	RegisterCopyHost(HostProcess &first, RemoteProcess &remote, mm::Mm &mm)
		: HostProcessView(first), remote_(remote), mm_(mm)
	{
	}

	Result<void> read_memory(void *dst, uintptr_t src, size_t n) override;
	Result<void> write_memory(uintptr_t dst, const void *src, size_t n) override;
	HostProcess &plain() override { return inner_; }

	/* Did a copy meet a page plain copies could not reach (and try the
	 * registers there)? */
	bool met_registers() const { return met_registers_; }

private:
	Result<void> copy(unsigned char *local, uintptr_t remote, size_t n, bool write);

	RemoteProcess &remote_;
	mm::Mm &mm_;
	bool met_registers_ = false;
};

} /* namespace softvfio::session */
