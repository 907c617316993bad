/* SPDX-License-Identifier: MIT */
/*
 * A slot of a process's mailbox driven by hand: messages written raw, as
 * a broken or hostile client would write them (the robustness tests and
 * fuzz_session). The slot is claimed for a made-up owner, so the
 * process's Connection never picks it for a call of its own meanwhile.
 */
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <ctime>

#include "session/wire/futex.h"
#include "session/wire/protocol.h"

namespace softvfio::test {

class RawSlot
{
public:
	enum class Wait { Message, Timeout, NotAlive };

	/* The slot a test claims raw: a process's own calls start their
	 * search for a free slot at their thread id, rarely here. */
	static constexpr unsigned kTestSlot = 11;
	/* How long a test waits for the kernel's message. */
	static constexpr uint64_t kPatienceNs = 10'000'000'000;

	/* Slot `k` of `mb`, claimed now; check claimed(). */
	RawSlot(session::wire::Mailbox &mb, unsigned k) : mb_(mb), slot_(mb.slots[k % session::wire::kSlots])
	{
		uint32_t free = 0;
		claimed_ = slot_.c.owner.compare_exchange_strong(free, kOwner | k, std::memory_order_acquire);
		seen_ = slot_.c.to_client.load(std::memory_order_acquire);
	}
	~RawSlot()
	{
		if (claimed_)
			slot_.c.owner.store(0, std::memory_order_release);
	}
	RawSlot(const RawSlot &) = delete;
	RawSlot &operator=(const RawSlot &) = delete;

	bool claimed() const { return claimed_; }
	session::wire::Slot &slot() { return slot_; }
	const unsigned char *payload() const { return slot_.payload; }

	/* Write `len` bytes of message into the slot and tell the kernel,
	 * asking for the slot's worker first if it has none yet. */
	void post(const void *msg, size_t len)
	{
		if (!slot_.c.served.load(std::memory_order_acquire) &&
		    !slot_.c.wanted.exchange(1, std::memory_order_acq_rel)) {
			mb_.header.doorbell.fetch_add(1, std::memory_order_release);
			session::wire::futex_wake(mb_.header.doorbell);
		}
		std::memcpy(slot_.payload, msg, std::min(len, session::wire::kPayload));
		slot_.c.to_kernel.fetch_add(1, std::memory_order_release);
		session::wire::futex_wake(slot_.c.to_kernel);
	}

	/* A request: op and six arguments. */
	void request(uint32_t op, uint32_t seq, const int64_t (&a)[6],
		     uint32_t kind = static_cast<uint32_t>(session::wire::MsgKind::Request))
	{
		session::wire::Request r{};
		r.h = session::wire::MsgHeader{kind, op, seq, 0};
		std::memcpy(r.a, a, sizeof(r.a));
		post(&r, sizeof(r));
	}

	/* A request offering a spare pair (wire::kRequestSpare): `mine`,
	 * `theirs`, made close-on-exec or not. */
	void request_with_spare(uint32_t op, uint32_t seq, const int64_t (&a)[6], int mine, int theirs, bool cloexec)
	{
		session::wire::Request r{};
		r.h = session::wire::MsgHeader{static_cast<uint32_t>(session::wire::MsgKind::Request), op, seq,
					       session::wire::kRequestSpare |
						       (cloexec ? session::wire::kRequestSpareCloexec : 0)};
		std::memcpy(r.a, a, sizeof(r.a));
		r.spare[0] = mine;
		r.spare[1] = theirs;
		post(&r, sizeof(r));
	}

	/* The answer to a sub-request. */
	void sub_reply(uint32_t op, uint32_t seq, int64_t result, int64_t extra0 = 0, int64_t extra1 = 0,
		       uint32_t kind = static_cast<uint32_t>(session::wire::MsgKind::SubReply))
	{
		session::wire::Reply r{};
		r.h = session::wire::MsgHeader{kind, op, seq, 0};
		r.result = result;
		r.extra[0] = extra0;
		r.extra[1] = extra1;
		post(&r, sizeof(r));
	}

	/* Wait for the kernel's next message in the slot, at most
	 * `timeout_ns`; NotAlive when the mailbox says the kernel stopped
	 * serving the process. */
	Wait wait(uint64_t timeout_ns)
	{
		const uint64_t end = now_ns() + timeout_ns;
		for (;;) {
			uint32_t now = slot_.c.to_client.load(std::memory_order_acquire);
			if (now != seen_) {
				seen_ = now;
				return Wait::Message;
			}
			if (mb_.header.state.load(std::memory_order_acquire) !=
			    static_cast<uint32_t>(session::wire::MailboxState::Alive))
				return Wait::NotAlive;
			const uint64_t t = now_ns();
			if (t >= end)
				return Wait::Timeout;
			session::wire::futex_wait(slot_.c.to_client, now, std::min<uint64_t>(end - t, 50'000'000));
		}
	}

	/* The kernel's message, copied out of the slot. */
	session::wire::MsgHeader header() const
	{
		session::wire::MsgHeader h;
		std::memcpy(&h, slot_.payload, sizeof(h));
		return h;
	}
	session::wire::Reply reply() const
	{
		session::wire::Reply r;
		std::memcpy(&r, slot_.payload, sizeof(r));
		return r;
	}
	session::wire::Request sub_request() const
	{
		session::wire::Request r;
		std::memcpy(&r, slot_.payload, sizeof(r));
		return r;
	}

private:
	static constexpr uint32_t kOwner = 0x7ff00000;

	static uint64_t now_ns()
	{
		struct timespec ts;
		::clock_gettime(CLOCK_MONOTONIC, &ts);
		return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
	}

	session::wire::Mailbox &mb_;
	session::wire::Slot &slot_;
	bool claimed_ = false;
	uint32_t seen_ = 0;
};

} /* namespace softvfio::test */
