/* SPDX-License-Identifier: MIT */
/*
 * SessionKernel: one softvfio::Kernel for every process of a session.
 *
 * On Linux a vfio device, its open files and its DMABUFs are kernel
 * objects, the same for every process holding an fd or a mapping of them.
 * The session kernel is that kernel for a tree of programs (softvfio run)
 * or for a harness (softvfio serve): one process hosting the model, which
 * every process of the session reaches through its mailbox
 * (wire/protocol.h), as a program reaches the kernel through system calls.
 *
 * It owns:
 *  - the records of the session's processes (client_process.h), made when
 *    they join and dropped when their pidfd says they are gone;
 *  - the kernel's ends of every stand-in (standins.h), whose hang-up is a
 *    file's last close anywhere;
 *  - one event loop (joins on the session socket, pidfds, stand-in
 *    hang-ups) and one worker for the releases and deliveries that follow
 *    from them.
 *
 * The session ends when its last process is gone (or on stop(), for
 * `softvfio serve`).
 */
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <softvfio/base/unique_fd.h>
#include <softvfio/kernel.h>

#include "session/mirror_directory.h"
#include "session/standins.h"

namespace softvfio::session {

class ClientProcess;

struct SessionConfig {
	/* The session's name (stand-in addresses, logs). */
	std::string name;
	/* The signal that brings mm work to a process. */
	int signal = SIGURG;
	/* A process that is a member before it joins: `softvfio run`, which
	 * execs the program that will join. 0: none. */
	pid_t founder = 0;
	/* End when the last process is gone (not for `softvfio serve`). */
	bool exit_when_empty = true;
	/* A signalfd of the signals that end the session (SIGTERM, SIGINT,
	 * SIGHUP in a session's own process), or -1. Read in the event loop:
	 * an asynchronous handler could be held back by a sanitizer's signal
	 * handling in a thread that never comes to it. Not owned. */
	int stop_signal_fd = -1;
};

class SessionKernel
{
public:
	/* `listener`: the session socket, bound and listening. */
	SessionKernel(Kernel &kernel, SessionConfig config, UniqueFD listener);
	~SessionKernel();
	SessionKernel(const SessionKernel &) = delete;
	SessionKernel &operator=(const SessionKernel &) = delete;

	/* Ready to run? (the empty memfd and the event loop's fds exist) */
	int error() const { return error_; }
	/* Serve until the session ends; on the way out every process is
	 * served no more (its calls fail with ENODEV, its mappings fault). */
	void run();
	/* End the session now (any thread, or a signal handler). */
	void stop() noexcept;

	Kernel &kernel() { return kernel_; }
	Kernel::Impl &impl() { return kernel_.impl(); }
	StandinTable &standins() { return *standins_; }
	const std::string &name() const { return config_.name; }
	int signal() const { return config_.signal; }
	int empty_fd() const { return empty_fd_.get(); }
	/* Register reads clients may serve from the mirror. */
	MirrorDirectory &mirrors() { return *mirrors_; }

	/* --- for the records and the calls --- */
	/* Deliver work to `process` soon, from the session's worker. */
	void deliver_later(std::shared_ptr<ClientProcess> process, uint64_t upto);
	/* Run `fn` on the session's worker, in a WorkScope. */
	void later(std::function<void()> fn);
	/* What processes that are gone, and files whose last copy is closed,
	 * held is released when this returns: the exit of a process frees
	 * its files before anyone can see it has ended, as on Linux. Called
	 * with no lock held, before a call that could tell (an open). */
	void settle();
	/* For tests. An exec without the shim is seen by the event loop's
	 * next look (every few ms while one is in progress): look now, from
	 * any thread; what the replaced images' mappings held is released
	 * once settle() returns. */
	void expire_replaced_images() { expire_images(); }
	/* For tests: wait, at most `limit`, until no thread serves a process
	 * (each leaves once its process is gone, after settle() dropped its
	 * record). False if one still did then. */
	bool serving_threads_gone(std::chrono::milliseconds limit);
	void thread_started() { threads_.fetch_add(1); }
	void thread_finished();

	/* fork(): a record for the child, with copies of `parent`'s tables. */
	Result<std::shared_ptr<ClientProcess>> prepare_fork(ClientProcess &parent);
	/* The fork of record `id` failed: drop it. */
	void fork_failed(ClientProcess &parent, uint64_t id);
	/* Every record, for introspection. */
	std::vector<std::shared_ptr<ClientProcess>> processes();
	std::shared_ptr<ClientProcess> find(pid_t pid);

private:
	/* epoll data: a tag in the top byte; a stand-in's is its fd (tag 0). */
	enum class Tag : uint8_t { Listener = 1, Stop, Pidfd, Founder };

	void serve();
	void retire_all();
	void accept_one();
	void handle_connection(int conn);
	void joined(const std::shared_ptr<ClientProcess> &record);
	void gone(uint64_t id);
	void drop_record(std::shared_ptr<ClientProcess> record);
	size_t members();
	void expire_orphans();
	bool expire_images();
	void worker_loop();

	Kernel &kernel_;
	const SessionConfig config_;
	UniqueFD listener_;
	UniqueFD epoll_;
	UniqueFD stop_fd_;
	UniqueFD empty_fd_;
	std::unique_ptr<MirrorDirectory> mirrors_;
	UniqueFD founder_pidfd_;
	int error_ = 0;
	std::unique_ptr<StandinTable> standins_;

	std::mutex records_lock_;
	std::map<uint64_t, std::shared_ptr<ClientProcess>> records_;

	/* The session's worker: releases and deliveries. */
	std::mutex work_lock_;
	std::condition_variable work_cv_;
	std::deque<std::function<void()>> work_;
	/* Work items queued and finished so far (one worker: in order). */
	uint64_t work_queued_ = 0;
	uint64_t work_done_ = 0;
	std::condition_variable work_done_cv_;
	bool work_stop_ = false;
	std::thread worker_;

	std::atomic<int> threads_{0};
	std::mutex threads_lock_;
	std::condition_variable threads_cv_;
};

} /* namespace softvfio::session */
