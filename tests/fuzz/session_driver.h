/* SPDX-License-Identifier: MIT */
/*
 * Driver: one input of fuzz_session, as processes A and B (and a reaper)
 * of the session play it. It keeps what a client keeps (its mailbox, the
 * state of each slot's call, the fds it made) and does what a client does
 * (join, post requests, answer sub-requests, close the other end of a new
 * stand-in, acknowledge mm work through its puppet's handler), properly or
 * in every wrong way the input asks for. The actions themselves and the
 * input's encoding are in fuzz_session.cc.
 *
 * Waits are bounded: a wait for the kernel's next message in a slot at
 * most 10 ms, all of them in one input at most 30 ms (a call the kernel
 * does not answer is one that waits for something the input withheld, or
 * a hang that settle() reports); a puppet command 200 ms (1 s for a join,
 * which the event loop must answer).
 */
#pragma once

#include <climits>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include <softvfio/uapi/vfio.h>

#include "fuzz/fuzz_support.h"
#include "fuzz/session_harness.h"
#include "fuzz/session_puppet.h"
#include "session/raw_slot.h"
#include "session/wire/protocol.h"

namespace softvfio::fuzz {

inline constexpr int64_t kBar2 = int64_t(VFIO_PCI_BAR2_REGION_INDEX) << 40;
inline constexpr int64_t kConfig = int64_t(VFIO_PCI_CONFIG_REGION_INDEX) << 40;
inline constexpr int64_t kNone = INT64_MIN;   /* no reply */

/* Strings at fixed offsets of the scratch pages, written before each
 * input; structs of the well-formed calls from kStructs on. */
enum : size_t {
	kVfio = 0, kGroup0 = 0x40, kGroup1 = 0x80, kIommu = 0xc0, kCdev = 0x100,
	kBdf0 = 0x140, kBdf1 = 0x180, kDevDir = 0x1c0, kStructs = 0x1000,
};

struct SlotState {
	std::unique_ptr<test::RawSlot> raw;
	uint32_t seq = 0;
	enum { Idle, KernelOwes, ClientOwes } st = Idle;
	uint32_t op = 0;
	int64_t a[6] = {};
	session::wire::Request asked{};   /* the sub-request to answer */
	int close_next = -1;              /* a new stand-in's other end: closed at the next message */
};

/* A process of the input. */
struct Pup {
	unsigned index = 0;
	puppet::Ctl *ctl = nullptr;
	pid_t pid = 0;
	int pidfd = -1;
	bool live = false, stopped = false;
	session::wire::Mailbox *mb = nullptr;   /* the fuzzer's mapping of its mailbox */
	SlotState slots[session::wire::kSlots];
	std::vector<int> fds;                   /* numbers it has */
	int container = -1, group = -1, device = -1, dmabuf = -1;
	std::vector<std::pair<int64_t, int64_t>> maps;   /* emulated mappings it made */
};

class Driver
{
public:
	Driver(Harness &h, Input &in);
	/* Plays the input (fuzz_session.cc). */
	void play();
	/* Kills every process of the input, reaps, and lists every record
	 * the input made. */
	void finish(Records &records);
	/* Takes over fork records their children never took over (a reaper
	 * attaches to each and dies); lists the records seen meanwhile. */
	void reap(Records &records);

private:
	enum class Step { More, Done, Stuck };
	struct JoinResult {
		bool done = false;
		size_t len = 0;
		session::wire::JoinReply reply{};
		int fd = -1;
	};
	struct Fork {
		int64_t record, kfd;   /* the kernel's fd of the child's mailbox */
		unsigned parent;
	};

	/* --- the actions (fuzz_session.cc) --- */
	void call_action();
	void good();
	void poke();
	void join_action();
	void fd_action(bool close);
	void post_action();

	/* --- processes --- */
	Pup &pup() { return pups_[in_.u8() & 1]; }
	Pup &other(const Pup &p) { return pups_[p.index ^ 1]; }
	bool cmd(Pup &p, puppet::Cmd c, std::initializer_list<int64_t> a, uint64_t cap = 200 * kMs);
	bool spawn(Pup &p);
	void kill(Pup &p);
	static void reset(Pup &p);
	/* Spawned and joined; `rejoin`: joined again if not served any more
	 * (an exec: well-formed calls want a process that is served; raw
	 * ones go to a cut-off process's mailbox as well). */
	bool ready(Pup &p, bool rejoin);
	void remember(Pup &p, int64_t fd);
	void forget(Pup &p, int64_t fd);
	int pick_fd(Pup &p, uint8_t b) { return p.fds.empty() ? b % 8 : p.fds[b % p.fds.size()]; }
	int64_t at(size_t off) const { return reinterpret_cast<int64_t>(h_.zygote().scratch() + off); }
	int64_t arg(Pup &p);
	void note();

	/* --- joins --- */
	JoinResult join(Pup &p, const void *req, size_t len, bool shut);
	bool image_join(Pup &p);
	void take_mailbox(Pup &p, void *m);
	bool adopt(Pup &p, int theirs);
	void attach(Pup &child, uint8_t how);

	/* --- calls --- */
	test::RawSlot &raw(Pup &p, unsigned k);
	void request(Pup &p, unsigned k, uint32_t op, const int64_t (&a)[6], const int (*spare)[2] = nullptr,
		     bool spare_cloexec = false);
	/* The kernel's next message in slot k; a sub-request is answered by
	 * `policy`: -1 properly, -2 as the input's next byte says. */
	Step step(Pup &p, unsigned k, int policy, int64_t *result = nullptr);
	void drive(Pup &p, unsigned k, int policy, int64_t *result = nullptr);
	void answer(Pup &p, unsigned k, int policy);
	void proper(Pup &p, SlotState &s, int64_t &result, int64_t &e0, int64_t &e1);
	void hostile(Pup &p, SlotState &s, int64_t &result, int64_t &e0, int64_t &e1);
	int64_t reserve(uint64_t length, bool huge);
	void replied(Pup &p, unsigned k, int64_t *result);
	/* A well-formed call, answered properly: its result, or kNone. */
	int64_t call(Pup &p, unsigned k, session::wire::Op op, std::initializer_list<int64_t> args);

	Harness &h_;
	Input &in_;
	Pup pups_[puppet::kPuppets];
	uint64_t budget_;
	uint64_t arena_, last_reserve_;
	std::vector<void *> my_maps_;        /* the fuzzer's mappings of mailboxes */
	std::vector<uint64_t> their_maps_;   /* the puppets' */
	std::vector<Fork> forks_;
	size_t records_ = 0, joins_ = 0;
	long threads_ = 0;
	std::map<const void *, std::weak_ptr<session::ClientProcess>> seen_;
};

} /* namespace softvfio::fuzz */
