/* SPDX-License-Identifier: MIT */
/*
 * Call: one request of a process, on the kernel thread serving its slot.
 *
 * While the kernel works on it, a call can ask the calling thread for what
 * only that thread can do (ask(): reserve address space, create a stand-in,
 * apply mapping changes) and collects the changes it makes to the caller's
 * own mappings (add_op()), which go back with the reply.
 *
 * WorkScope: changes to OTHER processes' mappings are queued while the
 * kernel holds its locks and delivered when the unit of work that made them
 * ends, every lock released, waiting for each process's acknowledgement:
 * the call returns only once no access through those mappings can succeed
 * any more, and the kernel never waits for another process with a lock
 * held (that process may be waiting for the very lock).
 */
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <softvfio/base/result.h>

#include "session/wire/protocol.h"
#include "vfs/fd_table.h"

namespace softvfio::session {

class ClientProcess;

class Call
{
public:
	/* `consumed`: the slot's to_kernel count this worker has read. */
	Call(ClientProcess &process, wire::Slot &slot, const wire::Request &req, uint32_t &consumed);
	Call(const Call &) = delete;
	Call &operator=(const Call &) = delete;

	ClientProcess &process() const { return process_; }

	/* A sub-request; the answer, or EIO when the process went away or
	 * broke the protocol meanwhile. */
	Result<wire::Reply> ask(wire::SubOp op, std::initializer_list<int64_t> args);

	/* A change to the caller's mappings, for the reply. */
	void add_op(const wire::MmOp &op) { ops_.push_back(op); }
	/* Reply::extra[i]. */
	void set_extra(unsigned i, int64_t v) { extra_[i & 1] = v; }
	/* Data after the reply's ops (a memo). */
	void set_data(std::vector<unsigned char> data) { data_ = std::move(data); }

	/* The spare pair the request offered (wire::kRequestSpare), if it
	 * is still there and made the way the stand-in is asked for
	 * (`cloexec`): {kept end, other end}, which the call now owns.
	 * Otherwise nothing, and the stand-in is to be asked for
	 * (asked_standin()). */
	std::optional<std::pair<int, int>> take_spare(bool cloexec);
	/* A stand-in was asked for with NewStandin: the reply says so, and
	 * how it was made, for the process's next such call. */
	void asked_standin(bool cloexec);

	/* A number found closed and reused during the call: its old file's
	 * close is dealt with when the call's work is done (release_closed),
	 * not under the locks held where it was found. */
	void close_later(vfs::FdTable::Forgotten f) { closed_.push_back(std::move(f)); }
	std::vector<vfs::FdTable::Forgotten> take_closed() { return std::move(closed_); }

	/* Send the reply: ops that do not fit first go as ApplyOps
	 * sub-requests. False if the process went away. */
	bool reply(long result);

private:
	Result<wire::Reply> wait_answer();
	void post(wire::MsgKind kind, uint32_t op, const void *body, size_t len, uint32_t flags = 0);

	ClientProcess &process_;
	wire::Slot &slot_;
	const uint32_t seq_;
	uint32_t &consumed_;
	std::vector<wire::MmOp> ops_;
	int64_t extra_[2] = {0, 0};
	std::vector<unsigned char> data_;
	std::vector<vfs::FdTable::Forgotten> closed_;
	/* The request's spare pair, and what the reply says of stand-ins. */
	int spare_[2] = {-1, -1};
	bool spare_cloexec_ = false;
	uint32_t reply_flags_ = 0;
};

/* The call the calling thread serves, or null. */
Call *current_call() noexcept;

class CallScope
{
public:
	explicit CallScope(Call &call) noexcept;
	~CallScope();
	CallScope(const CallScope &) = delete;
	CallScope &operator=(const CallScope &) = delete;

private:
	Call *saved_;
};

class WorkScope
{
public:
	WorkScope() noexcept;
	/* Delivers what is left. */
	~WorkScope();
	WorkScope(const WorkScope &) = delete;
	WorkScope &operator=(const WorkScope &) = delete;

	/* Deliver what was queued so far and wait for it; no lock held. */
	void flush();
	/* The same for the calling thread's scope, if it has one. */
	static void flush_current();

	/* Work entry `upto` (and those before it) was queued for `process`
	 * by this thread. Without a scope on the thread, it is handed to the
	 * session's delivery thread. */
	static void queued(const std::shared_ptr<ClientProcess> &process, uint64_t upto);

private:
	std::vector<std::pair<std::shared_ptr<ClientProcess>, uint64_t>> pending_;
	WorkScope *saved_;
};

} /* namespace softvfio::session */
