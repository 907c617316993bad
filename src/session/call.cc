/* SPDX-License-Identifier: MIT */
#include "session/call.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "session/client_process.h"
#include "session/session_kernel.h"
#include "session/wire/futex.h"

namespace softvfio::session {

namespace {

__thread Call *t_call = nullptr;
__thread WorkScope *t_work = nullptr;

/* How long a wait for the calling thread lasts before the kernel checks
 * that its process is still there. */
constexpr uint64_t kAnswerPollNs = 100'000'000;

} /* namespace */

Call::Call(ClientProcess &process, wire::Slot &slot, const wire::Request &req, uint32_t &consumed)
	: process_(process), slot_(slot), seq_(req.h.seq), consumed_(consumed)
{
	/* Numbers only: what they are is checked when a stand-in takes them
	 * (RemoteFdSpace), as an answer to NewStandin is. */
	if ((req.h.flags & wire::kRequestSpare) && req.spare[0] >= 0 && req.spare[1] >= 0 &&
	    req.spare[0] != req.spare[1]) {
		spare_[0] = req.spare[0];
		spare_[1] = req.spare[1];
		spare_cloexec_ = (req.h.flags & wire::kRequestSpareCloexec) != 0;
	}
}

std::optional<std::pair<int, int>> Call::take_spare(bool cloexec)
{
	if (spare_[0] < 0 || spare_cloexec_ != cloexec)
		return std::nullopt;
	std::pair<int, int> pair{spare_[0], spare_[1]};
	spare_[0] = spare_[1] = -1;
	reply_flags_ |= wire::kReplySpareTaken;
	return pair;
}

void Call::asked_standin(bool cloexec)
{
	reply_flags_ = (reply_flags_ & ~wire::kReplyStandinCloexec) | wire::kReplyStandinAsked |
		       (cloexec ? wire::kReplyStandinCloexec : 0);
}

void Call::post(wire::MsgKind kind, uint32_t op, const void *body, size_t len, uint32_t flags)
{
	wire::MsgHeader h{static_cast<uint32_t>(kind), op, seq_, flags};
	std::memcpy(slot_.payload, &h, sizeof(h));
	if (len)
		std::memcpy(slot_.payload + sizeof(h), static_cast<const unsigned char *>(body) + sizeof(h),
			    len - sizeof(h));
	slot_.c.to_client.fetch_add(1, std::memory_order_release);
	wire::futex_wake(slot_.c.to_client);
}

Result<wire::Reply> Call::wait_answer()
{
	for (;;) {
		uint32_t now = slot_.c.to_kernel.load(std::memory_order_acquire);
		if (now != consumed_) {
			consumed_ = now;
			/* One copy out of shared memory, then checks on the copy. */
			wire::Reply answer;
			std::memcpy(&answer, slot_.payload, sizeof(answer));
			if (answer.h.kind != static_cast<uint32_t>(wire::MsgKind::SubReply) || answer.h.seq != seq_) {
				process_.cut_off("an answer that does not match the question");
				return err(EIO);
			}
			return answer;
		}
		if (process_.retired() || process_.host().exited())
			return err(EIO);
		wire::futex_wait(slot_.c.to_kernel, now, kAnswerPollNs);
	}
}

Result<wire::Reply> Call::ask(wire::SubOp op, std::initializer_list<int64_t> args)
{
	if (process_.retired())
		return err(EIO);
	wire::Request req{};
	std::copy_n(args.begin(), std::min<size_t>(args.size(), 6), req.a);
	post(wire::MsgKind::SubRequest, static_cast<uint32_t>(op), &req, sizeof(req));
	return wait_answer();
}

bool Call::reply(long result)
{
	size_t sent = 0;
	while (ops_.size() - sent > wire::kMaxReplyOps) {
		if (process_.retired())
			return false;
		wire::Reply batch{};
		batch.nops = static_cast<uint32_t>(wire::kMaxReplyOps);
		std::memcpy(slot_.payload + sizeof(batch), &ops_[sent], wire::kMaxReplyOps * sizeof(wire::MmOp));
		post(wire::MsgKind::SubRequest, static_cast<uint32_t>(wire::SubOp::ApplyOps), &batch, sizeof(batch));
		if (!wait_answer())
			return false;
		sent += wire::kMaxReplyOps;
	}
	wire::Reply r{};
	r.result = result;
	r.extra[0] = extra_[0];
	r.extra[1] = extra_[1];
	r.nops = static_cast<uint32_t>(ops_.size() - sent);
	if (r.nops)
		std::memcpy(slot_.payload + sizeof(r), &ops_[sent], r.nops * sizeof(wire::MmOp));
	const size_t at = sizeof(r) + r.nops * sizeof(wire::MmOp);
	if (!data_.empty() && at + data_.size() <= wire::kPayload) {
		std::memcpy(slot_.payload + at, data_.data(), data_.size());
		r.data_len = static_cast<uint32_t>(data_.size());
	}
	post(wire::MsgKind::Reply, 0, &r, sizeof(r), reply_flags_);
	return true;
}

Call *current_call() noexcept
{
	return t_call;
}

CallScope::CallScope(Call &call) noexcept : saved_(t_call)
{
	t_call = &call;
}

CallScope::~CallScope()
{
	t_call = saved_;
}

WorkScope::WorkScope() noexcept : saved_(t_work)
{
	t_work = this;
}

WorkScope::~WorkScope()
{
	flush();
	t_work = saved_;
}

void WorkScope::flush()
{
	while (!pending_.empty()) {
		auto batch = std::move(pending_);
		pending_.clear();
		/* Every process is signalled before any is waited for: they
		 * apply their work side by side, and the call waits for the
		 * slowest, not for the sum. */
		std::vector<uint64_t> signalled(batch.size());
		for (size_t i = 0; i < batch.size(); i++)
			signalled[i] = batch[i].first->start_delivery(batch[i].second);
		for (size_t i = 0; i < batch.size(); i++)
			batch[i].first->deliver(batch[i].second, signalled[i]);
	}
}

void WorkScope::flush_current()
{
	if (WorkScope *scope = t_work)
		scope->flush();
}

void WorkScope::queued(const std::shared_ptr<ClientProcess> &process, uint64_t upto)
{
	if (WorkScope *scope = t_work) {
		for (auto &[p, n] : scope->pending_) {
			if (p == process) {
				n = std::max(n, upto);
				return;
			}
		}
		scope->pending_.emplace_back(process, upto);
		return;
	}
	process->session().deliver_later(process, upto);
}

} /* namespace softvfio::session */
