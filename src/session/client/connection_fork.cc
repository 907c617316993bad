/* SPDX-License-Identifier: MIT */
/*
 * A connected process forks and execs: the child of a fork gets its own
 * mailbox (made by the kernel before the fork, mapped by the parent, kept
 * by the child) with copies of the parent's fds and mappings; an exec
 * tells the kernel first, so the old image's mappings go when the new
 * image joins, or stay if the exec fails.
 */
#include "session/client/connection.h"

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <sys/mman.h>

#include "session/client/sys.h"

namespace softvfio::session {

void Connection::fork_prepare() noexcept
{
	child_mailbox_ = nullptr;
	child_record_ = 0;
	if (!joined())
		return;
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, signal_);
	sys::sigprocmask(SIG_BLOCK, &block, &fork_mask_);
	mm_.lock();
	int64_t extra[2] = {-1, -1};
	long record = call(wire::Op::ForkPrepare, {}, extra, true);
	if (record <= 0)
		return;
	char path[64];
	std::snprintf(path, sizeof(path), "/proc/%d/fd/%d", static_cast<int>(server_), static_cast<int>(extra[0]));
	int fd = sys::open_momentary(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		call(wire::Op::ForkDone, {record, -1}, nullptr, true);
		return;
	}
	long p = sys::mmap(0, wire::kMailboxSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	sys::close(fd);
	if (p < 0) {
		call(wire::Op::ForkDone, {record, -1}, nullptr, true);
		return;
	}
	child_mailbox_ = reinterpret_cast<wire::Mailbox *>(p);
	child_record_ = static_cast<uint64_t>(record);
}

void Connection::fork_parent(pid_t pid) noexcept
{
	if (!joined())
		return;
	if (child_mailbox_)
		sys::munmap(reinterpret_cast<uintptr_t>(child_mailbox_), wire::kMailboxSize);
	if (pid < 0 && child_record_)
		call(wire::Op::ForkDone, {static_cast<int64_t>(child_record_), -1}, nullptr, true);
	last_record_ = pid == 0 ? child_record_ : 0;
	child_mailbox_ = nullptr;
	child_record_ = 0;
	mm_.unlock();
	sys::sigprocmask(SIG_SETMASK, &fork_mask_, nullptr);
}

void Connection::fork_child() noexcept
{
	if (!joined())
		return;
	/* The other threads' calls are the parent's. */
	mm_.early().forget();
	mm_.unlock();
	wire::Mailbox *mine = child_mailbox_;
	child_mailbox_ = nullptr;
	if (!mine || attach(child_record_, mine->header.token) < 0) {
		/* Not in the session: the inherited fds and mappings stay what
		 * they are, every call fails. */
		if (mine)
			sys::munmap(reinterpret_cast<uintptr_t>(mine), wire::kMailboxSize);
		mailbox_.store(nullptr, std::memory_order_release);
		MmTable::Guard guard(mm_);
		mm_.revoke_all();
	} else {
		mailbox_.store(mine, std::memory_order_release);
		call(wire::Op::Resync, {});
	}
	sys::sigprocmask(SIG_SETMASK, &fork_mask_, nullptr);
}

void Connection::fork_failed() noexcept
{
	if (joined() && last_record_)
		call(wire::Op::ForkDone, {static_cast<int64_t>(last_record_), -1});
	last_record_ = 0;
}

int Connection::attach(uint64_t record, uint64_t token) noexcept
{
	wire::JoinRequest req{wire::kMagic, wire::kVersion, static_cast<uint32_t>(wire::JoinKind::Attach), 0, record,
			      token};
	wire::JoinReply reply;
	return handshake(dir_.c_str(), req, reply, nullptr);
}

void Connection::exec_prepare() noexcept
{
	if (joined())
		call(wire::Op::ExecPrepare, {});
}

void Connection::exec_failed() noexcept
{
	if (joined())
		call(wire::Op::ExecFailed, {});
}

} /* namespace softvfio::session */
