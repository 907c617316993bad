/* SPDX-License-Identifier: MIT */
/*
 * ClientProcess: one process of the session, as the session kernel keeps
 * it: the real process (RemoteProcess), its tables in the kernel (Process:
 * fds and mappings), its mailbox, the threads serving its slots and the
 * mm work waiting for it.
 *
 * Life: a record is made when a process joins (a program starts, or
 * execs), or when a process prepares a fork (the child's copy, Forking
 * until the child takes it over). It is retired when the process exits or
 * is killed (its pidfd), when it execs (a new record takes over), or when
 * it breaks the protocol (cut off); its tables go then, dropping the
 * process's references to files and buffers.
 *
 * Serving: one thread waits on the mailbox's doorbell and starts a worker
 * the first time a slot is used; each worker serves its slot's calls one
 * after the other. Workers hold a reference to the record and leave when
 * it is retired.
 */
#pragma once

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unistd.h>

#include <softvfio/base/result.h>
#include <softvfio/base/unique_fd.h>

#include "session/remote_process.h"
#include "session/wire/protocol.h"

namespace softvfio {
class Process;
}

namespace softvfio::session {

class SessionKernel;

class ClientProcess : public std::enable_shared_from_this<ClientProcess>
{
public:
	enum class State : uint8_t {
		Forking,   /* a fork's child record, not taken over yet */
		Live,
		Execing,   /* exec in progress: its mappings are going */
		Retired,
	};

	/* A record for `pid` (0 for a fork child whose pid comes later),
	 * with a fresh mailbox; its tables are empty. */
	static Result<std::shared_ptr<ClientProcess>> create(SessionKernel &session, pid_t pid, UniqueFD pidfd,
							     pid_t parent = 0);
	~ClientProcess();
	ClientProcess(const ClientProcess &) = delete;
	ClientProcess &operator=(const ClientProcess &) = delete;

	SessionKernel &session() const { return session_; }
	uint64_t id() const { return id_; }
	pid_t pid() const { return host_->pid(); }
	pid_t parent() const { return parent_; }
	RemoteProcess &host() { return *host_; }
	Process &process() { return *process_; }
	wire::Mailbox &mailbox() { return *mailbox_; }
	/* The kernel's fd of the mailbox memfd (for /proc/<kernel>/fd/<n>). */
	int mailbox_fd() const { return mailbox_fd_.get(); }
	const UniqueFD &mailbox_file() const { return mailbox_fd_; }
	uint64_t token() const { return token_; }
	State state() const { return state_.load(std::memory_order_acquire); }
	std::chrono::steady_clock::time_point created() const { return created_; }
	void set_state(State s) { state_.store(s, std::memory_order_release); }

	/* A fork child's record learns its process. */
	void bind(pid_t pid, UniqueFD pidfd);

	/* Did the process exec an image that will not join (no shim), so
	 * that its old image's mappings are gone? True once, the first time
	 * it finds so; the process stays a member while it lives. */
	bool image_replaced();

	/* --- serving --- */
	void start_serving();
	/* No more calls are served; the workers leave on their own. Safe to
	 * call more than once. */
	void retire();
	bool retired() const { return state() == State::Retired; }
	/* The process broke the protocol: retire it and tell it. */
	void cut_off(const char *why);
	/* Forget what the process's numbers that it closed without a call
	 * stood for (wire/closed_numbers.h): done before each of its calls
	 * is served, so a number reused since is looked up afresh. */
	void take_closed_numbers();

	/* --- mm work from other processes' calls --- */
	/* Queue "VMA `vma` is now live/revoked at state seq `seq`"; returns
	 * the entry's number. */
	uint64_t queue_state(uint64_t vma, bool live, uint64_t seq);
	/* Queue "the session is gone". */
	uint64_t queue_dead();
	/* Post every queued entry up to `upto` and wait until the process
	 * applied it (or cannot: it exited, execs, or its fork child has not
	 * taken over yet, which catches up itself). No kernel lock may be
	 * held. */
	void deliver(uint64_t upto, uint64_t signalled = 0);
	/* The first half of deliver(), without the wait: post and signal, so
	 * that several processes apply their work at the same time. Returns
	 * what was signalled, for deliver(). */
	uint64_t start_delivery(uint64_t upto);

private:
	ClientProcess(SessionKernel &session, std::shared_ptr<RemoteProcess> host, UniqueFD mailbox_fd,
		      wire::Mailbox *mailbox, pid_t parent);
	void doorbell_loop();
	static void follow_client_cpu(const wire::SlotControl &c);
	void serve(unsigned slot);
	void handle(wire::Slot &slot, const wire::Request &req, uint32_t &consumed);
	bool spawn(void (*body)(ClientProcess *, unsigned), unsigned arg);
	void post_locked();
	/* Post what is queued (`posted`: how far, `done`: how far the
	 * process applied): true if entry `upto` needs no waiting for, being
	 * applied or the process being unable to now (forking, retired). */
	bool post_and_check(uint64_t upto, uint64_t &posted, uint32_t &done);
	siginfo_t signal_info() const;
	bool signal();
	void signal_every_thread();
	bool unreachable();

	SessionKernel &session_;
	const uint64_t id_;
	const pid_t parent_;
	const uint64_t token_;
	std::shared_ptr<RemoteProcess> host_;
	UniqueFD mailbox_fd_;
	wire::Mailbox *mailbox_;
	std::unique_ptr<Process> process_;
	std::atomic<State> state_{State::Live};
	const std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
	/* The sender the session signal names (the kernel's process), asked
	 * once rather than with every signal. */
	const pid_t kernel_pid_ = ::getpid();
	const uid_t kernel_uid_ = ::getuid();
	std::atomic<bool> serving_{false};
	std::atomic<bool> image_replaced_{false};

	/* Work not posted to the ring yet; `queued_` counts every entry ever
	 * queued, `posted_` those written to the ring. */
	std::mutex work_lock_;
	std::deque<wire::WorkEntry> waiting_;
	uint64_t queued_ = 0;
	uint64_t posted_ = 0;
	/* One deliverer at a time. */
	std::mutex deliver_lock_;
	/* The mailbox's ClosedNumbers generation the last take covered; the
	 * lock makes a call that finds it behind wait for a take under way. */
	std::atomic<uint64_t> closed_seen_{0};
	std::mutex closed_lock_;

	friend class SessionKernel;
	friend class Call;
};

} /* namespace softvfio::session */
