/* SPDX-License-Identifier: MIT */
/*
 * Connection: this process's link to its session kernel.
 *
 * Joining connects to the session's socket for the handshake only; what is
 * left is a mailbox mapping and the mm table's templates, no fd (the
 * program's fd table holds only what the kernel would give it). A call
 * claims a slot, posts the request, answers the kernel's sub-requests
 * (reserve address space, make a stand-in, apply mapping changes) and
 * applies the reply's mm ops before it returns.
 *
 * fork: the parent asks the kernel for the child's record (a copy of its
 * tables, with a mailbox of its own) and maps that mailbox across the
 * fork; the child takes the record over (proving it with the mailbox's
 * token) and brings its mappings up to date before the program runs
 * again. exec: the kernel is told before, and after a failure; the new
 * image joins afresh.
 *
 * If the session's kernel dies or cuts the process off, calls fail with
 * ENODEV; the mappings fault (session/client/mm_table.h, MailboxState).
 */
#pragma once

#include <atomic>
#include <csignal>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "session/client/memo.h"
#include "session/client/mm_table.h"
#include "session/client/standin_hints.h"
#include "session/wire/protocol.h"

namespace softvfio::session {

class Connection
{
public:
	Connection() = default;
	Connection(const Connection &) = delete;
	Connection &operator=(const Connection &) = delete;
	/* The handlers stop looking at it; the session's signals that still
	 * come are dropped (the process is expected to end: its mappings are
	 * no longer kept in step). A process of a session keeps its
	 * connection for its whole life, as the shim does. */
	~Connection();

	/* Join the session in directory `dir` (its socket is `dir`/sock) as
	 * a new program image. 0 or -errno. */
	int join(const char *dir) noexcept;
	bool joined() const noexcept { return mailbox_.load(std::memory_order_acquire) != nullptr; }
	/* Still served: joined, and the kernel alive and not cutting us off. */
	bool alive() noexcept;

	/* A call of the session. The result or -errno (ENODEV: the session is
	 * gone). `extra`: Reply::extra. `mm_held`: the caller holds the mm
	 * table's Guard (mapping calls), else it is taken to apply ops. */
	long call(wire::Op op, std::initializer_list<int64_t> args, int64_t *extra = nullptr,
		  bool mm_held = false) noexcept;

	/* Where a call puts the reply's data (a memo), if any. */
	struct Data {
		unsigned char *buf;
		size_t capacity;
		size_t length;
	};

	/* Both inlined into the session signal's handler, which must run no
	 * sanitizer-instrumented code (work_signal.cc). */
	[[gnu::always_inline]] MmTable &mm() noexcept { return mm_; }
	/* Where the mailbox is mapped (0 if not joined), and its length. */
	[[gnu::always_inline]] std::pair<uintptr_t, size_t> mailbox_range() const noexcept
	{
		return {reinterpret_cast<uintptr_t>(mailbox_.load(std::memory_order_acquire)), wire::kMailboxSize};
	}
	pid_t server() const noexcept { return server_; }
	const std::string &session_name() const noexcept { return session_; }
	int signal() const noexcept { return signal_; }

	/* --- fork and exec (the shim's pthread_atfork handlers and exec
	 * wrappers) --- */
	void fork_prepare() noexcept;
	/* In the parent: `pid` is fork's result if known (-1: failed), or 0. */
	void fork_parent(pid_t pid) noexcept;
	void fork_child() noexcept;
	/* fork() failed after the handlers ran: the child's record goes. */
	void fork_failed() noexcept;
	void exec_prepare() noexcept;
	void exec_failed() noexcept;

	/* ioctl(fd, cmd, arg): from the memo when the kernel said the answer
	 * may be kept (the fd's cache word `key` names its file), else a
	 * call. */
	long ioctl(int fd, uint32_t key, unsigned long cmd, uintptr_t arg) noexcept;
	/* The memo alone: true with `result` set when it answered. It only
	 * reads and writes this process's memory (no mailbox, no lock), so
	 * a caller may try it before whatever a call needs (the shim's fork
	 * gate). */
	bool ioctl_from_memo(int fd, uint32_t key, unsigned long cmd, uintptr_t arg, long &result) noexcept;

	/* `fd`, a stand-in whose kernel end's name ends in
	 * wire::kLazyReleaseMark, is about to be closed without a call
	 * (wire/closed_numbers.h): false if a call must tell of it (not
	 * joined, or a number too high). Async-signal-safe. */
	bool note_closed(int fd) noexcept;

	/* Spare pairs (StandinHints) this process offered with its calls,
	 * and how many the kernel took: a figure for tests and benchmarks. */
	struct SpareCounts {
		uint64_t offered;
		uint64_t taken;
	};
	SpareCounts spare_counts() const noexcept
	{
		return {spares_offered_.load(std::memory_order_relaxed), spares_taken_.load(std::memory_order_relaxed)};
	}

	/* Told of every fd the kernel has this process make for the program
	 * (a stand-in, `fd`) and of the momentary other end (`other`), before
	 * the call returns: an fd cache above learns the numbers' new
	 * meaning. */
	void set_fd_observer(void (*observer)(int fd, int other)) noexcept { fd_observer_ = observer; }

private:
	int attach(uint64_t record, uint64_t token) noexcept;
	int handshake(const char *dir, const wire::JoinRequest &req, wire::JoinReply &reply, int *fd) noexcept;
	unsigned claim() noexcept;
	long answer(wire::Slot &slot, const wire::MsgHeader &h, bool mm_held, int &taken) noexcept;
	/* A socket pair made ahead for a call expected to make a stand-in
	 * (StandinHints): offered with the request, closed after the reply
	 * except for the end the call took. */
	struct Spare {
		int ends[2] = {-1, -1};
		bool cloexec = false;
		uint32_t reply_flags = 0;   /* the reply's kReply* flags */
		bool offered() const noexcept { return ends[0] >= 0; }
	};
	bool make_spare(Spare &spare) noexcept;
	long call_with(wire::Op op, std::initializer_list<int64_t> args, int64_t *extra, bool mm_held,
		       Data *data, Spare *spare = nullptr) noexcept;
	void dead() noexcept;

	std::atomic<wire::Mailbox *> mailbox_{nullptr};
	MmTable mm_;
	Memo memo_;
	StandinHints hints_;
	std::atomic<uint64_t> spares_offered_{0};
	std::atomic<uint64_t> spares_taken_{0};
	pid_t server_ = 0;
	int signal_ = 0;
	std::string session_;
	std::string dir_;
	std::atomic<uint32_t> seq_{0};
	void (*fd_observer_)(int, int) = nullptr;

	/* fork in progress (the forking thread only) */
	wire::Mailbox *child_mailbox_ = nullptr;
	uint64_t child_record_ = 0;
	uint64_t last_record_ = 0;
	sigset_t fork_mask_;
};

/* On this thread, the error applying the last call's mm ops (a mapping
 * that could not be laid), 0 if none. */
int last_apply_error() noexcept;

/* The handler of the session signal, installed at join. `chain` is where
 * a signal that is not the kernel's goes (the program's own action). */
void install_work_handler(Connection &connection, int sig) noexcept;
/* The handler no longer looks at `connection` once this returns (it
 * waits for a handler that is looking at it). */
void detach_work_handler(Connection &connection) noexcept;
/* The program's sigaction() for the session signal (the shim hides ours):
 * as sigaction(2) behaves for it. */
int work_signal_sigaction(const struct sigaction *act, struct sigaction *old) noexcept;
/* The session signal once the handler is installed, else 0. */
int work_signal() noexcept;

} /* namespace softvfio::session */
