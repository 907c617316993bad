/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the session protocol (session/wire/protocol.h) spoken by
 * broken, hostile and dying processes. One session kernel (two devices:
 * nic and ivshmem-plain) runs in the fuzzer for its whole life; each input
 * plays processes A and B, puppets (session_puppet.h) that join as new
 * images, exec (join again), fork (A prepares, B takes the record over),
 * die and stop, while the fuzzer writes their mailboxes: requests with any
 * op and arguments, answers to the kernel's sub-requests (proper, wrong
 * seq, wrong kind, an error, a hostile address or fd, none at all, raw
 * bytes), stray writes to the mailbox's words, joins with malformed
 * headers, and well-formed macros (container, group, device, DMABUF
 * export, mmap, memory off, revoke, fork) so that deeper state is reached.
 *
 * After each input its puppets are killed and then, within 5 s:
 *  - every record of them and every stand-in, buffer and open device file
 *    they held is gone (the session's event loop and worker are stepped
 *    through with a malformed join and a task of their own, not slept on);
 *  - a well-behaved process (a session::Connection in the fuzzer, which
 *    joined at start-up) still opens the container, group and device, asks
 *    the region info and closes everything (a watchdog aborts if it hangs);
 *  - the fuzzer holds exactly the fds and file mappings it held before.
 * While it runs, the kernel must not run more threads than a doorbell and a
 * worker per slot for each record it made.
 *
 * Encoding: actions, each an opcode byte (% 12) and operands; p: a byte,
 * process A or B (& 1); k: a byte, a slot (% 16).
 *   0 CALL p k op a0..a5 mode   op: a byte < 232 is 1 + byte % (kCount - 1), else a u32 follows;
 *                                each a_i is a selector byte and its value (arg()); mode bit 0:
 *                                post and leave it, else drive it: a policy byte per sub-request
 *   1 PUMP p k                  drive a call left earlier (policy bytes as in CALL)
 *   2 GOOD p m param            well-formed macro m % 16 (good()) in slot m >> 4
 *   3 JOIN p kind ...           over the session socket (join_action())
 *   4 CLOSE p pick tell         the process closes an fd; tell & 2: marks it first (wire::ClosedNumbers,
 *                                as the shim's close of a DMABUF); tell & 1: then Op::Closed in slot tell >> 4
 *   5 DUP p pick                the process dups an fd (another copy of a stand-in)
 *   6 POKE p what k u32         a stray write to a word of the mailbox (poke()), the closed numbers' too
 *   7 ACK p mode                how it acknowledges mm work: done, never, garbage (puppet::Ack)
 *   8 KILL p                    SIGKILL, in the middle of whatever it was doing
 *   9 STOP p                    SIGSTOP, or SIGCONT if stopped
 *  10 POST p k kind op seq len bytes   a raw message (seq & 1: the slot's seq, else seq >> 1)
 *  11 SCRATCH u16 off, u8 len, bytes   into the scratch pages the arguments point at
 * Policy bytes (answer()), % 16: 0-9 proper, 10 an error, 11 wrong seq, 12 wrong kind,
 * 13 hostile but well-shaped (a variant byte follows), 14 no answer, 15 raw bytes (u8 len, bytes).
 * Op::SysfsWrite is never sent (POKE writes no message header, POST and
 * CALL send SysfsRoot instead): unbinding a device or setting a module
 * parameter is a legitimate change for every process of the session, and
 * would make inputs depend on each other.
 */
#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fuzz/session_driver.h"

namespace softvfio::fuzz {

namespace wire = session::wire;
using puppet::Cmd;
using wire::Op;

void Driver::join_action()
{
	Pup &p = pup();
	const uint8_t kind = in_.u8();
	JoinResult r;
	bool adopt_fd = false;
	switch (kind % 6) {
	case 0:   /* exec: a new image of the same process */
		image_join(p);
		return;
	case 1: {   /* bytes */
		auto b = in_.bytes(in_.u8() % 64);
		r = join(p, b.data(), b.size(), true);
		break;
	}
	case 2: {   /* a header with fields of the input's */
		wire::JoinRequest q{};
		q.magic = (in_.u8() & 1) ? in_.u32() : wire::kMagic;
		q.version = (in_.u8() & 1) ? in_.u32() : wire::kVersion;
		q.kind = in_.u8() % 5;
		q.reserved = in_.u32();
		q.arg = in_.u64();
		q.token = in_.u64();
		if (q.kind == static_cast<uint32_t>(wire::JoinKind::Trace)) {
			/* softvfio trace --attach: settings follow, of some
			 * process of the session or of none. */
			const int64_t pids[] = {p.pid, other(p).pid, ::getpid(), static_cast<int64_t>(q.arg)};
			q.arg = static_cast<uint64_t>(pids[in_.u8() % 4]);
			struct {
				wire::JoinRequest q;
				wire::TraceRequest t;
			} both{q, {}};
			auto text = in_.bytes(in_.u8());
			if (!text.empty())
				std::memcpy(both.t.config, text.data(), std::min(text.size(), sizeof(both.t.config)));
			r = join(p, &both, sizeof(both), false);
			break;
		}
		r = join(p, &q, sizeof(q), in_.u8() & 1);
		adopt_fd = true;
		break;
	}
	case 3: {   /* a query about a process */
		const uint8_t w = in_.u8();
		const int64_t pids[] = {0, p.pid, ::getpid(), other(p).pid, static_cast<int64_t>(w) << 8};
		wire::JoinRequest q{wire::kMagic, wire::kVersion, static_cast<uint32_t>(wire::JoinKind::Query), 0,
				    static_cast<uint64_t>(pids[w % 5]), 0};
		r = join(p, &q, sizeof(q), true);
		break;
	}
	case 4:
		attach(p, in_.u8());
		return;
	default:   /* fork: A's record taken over by B */
		if (call(p, in_.u8() % wire::kSlots, Op::ForkPrepare, {}) > 0)
			attach(other(p), static_cast<uint8_t>(forks_.size() - 1));
		return;
	}
	if (r.fd < 0)
		return;
	if (!(adopt_fd && r.len >= sizeof(r.reply) && r.reply.error == 0 && adopt(p, r.fd)))
		cmd(p, Cmd::Close, {r.fd});
}

void Driver::call_action()
{
	Pup &p = pup();
	const unsigned k = in_.u8() % wire::kSlots;
	const uint8_t b = in_.u8();
	uint32_t op = b < 232 ? 1 + b % (static_cast<uint32_t>(Op::kCount) - 1) : in_.u32();
	if (op == static_cast<uint32_t>(Op::SysfsWrite))
		op = static_cast<uint32_t>(Op::SysfsRoot);
	int64_t a[6];
	for (auto &v : a)
		v = arg(p);
	const uint8_t mode = in_.u8();
	if (!ready(p, false))
		return;
	if (mode & 2) {
		/* A spare pair offered with the call (wire::kRequestSpare): one
		 * the puppet made, as a client does, or numbers that are not
		 * one. The kernel may take it or leave it; the puppet closes
		 * the other end at the next message either way. */
		const bool cloexec = mode & 4;
		int spare[2];
		if (!(mode & 8) && cmd(p, Cmd::Socketpair, {cloexec}) && p.ctl->r[0] >= 0) {
			spare[0] = static_cast<int>(p.ctl->r[1]);
			spare[1] = static_cast<int>(p.ctl->r[2]);
			remember(p, spare[0]);
			p.slots[k].close_next = spare[1];
		} else {
			spare[0] = static_cast<int>(arg(p));
			spare[1] = static_cast<int>(arg(p));
		}
		request(p, k, op, a, &spare, cloexec);
	} else {
		request(p, k, op, a);
	}
	if (!(mode & 1))
		drive(p, k, -2);
}

/* Well-formed sequences, so that the state behind the protocol is reached. */
void Driver::good()
{
	Pup &p = pup();
	const uint8_t m = in_.u8(), param = in_.u8();
	const unsigned k = m >> 4;
	uint8_t *sc = h_.zygote().scratch() + kStructs;
	auto set = [](int &field, int64_t r) {
		if (r >= 0 && r < INT_MAX)
			field = static_cast<int>(r);
	};
	auto feature = [&](uint32_t flags, const void *body, size_t len) {
		vfio_device_feature hdr{static_cast<uint32_t>(sizeof(hdr) + len), flags};
		std::memcpy(sc, &hdr, sizeof(hdr));
		std::memcpy(sc + sizeof(hdr), body, len);
		return call(p, k, Op::Ioctl, {p.device, VFIO_DEVICE_FEATURE, at(kStructs)});
	};
	switch (m % 16) {
	case 0: set(p.container, call(p, k, Op::Open, {at(kVfio), O_RDWR})); break;
	case 1: set(p.group, call(p, k, Op::Open, {at(param & 1 ? kGroup1 : kGroup0), O_RDWR})); break;
	case 2: {
		int32_t c = p.container;
		std::memcpy(sc, &c, sizeof(c));
		call(p, k, Op::Ioctl, {p.group, VFIO_GROUP_SET_CONTAINER, at(kStructs)});
		break;
	}
	case 3: call(p, k, Op::Ioctl, {p.container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU}); break;
	case 4: set(p.device, call(p, k, Op::Ioctl, {p.group, VFIO_GROUP_GET_DEVICE_FD, at(param & 1 ? kBdf1 : kBdf0)})); break;
	case 5: {
		uint8_t body[sizeof(vfio_device_feature_dma_buf) + sizeof(vfio_region_dma_range)];
		vfio_device_feature_dma_buf req{param & 1 ? 0u : 2u, O_RDWR | O_CLOEXEC, 0, 1};
		vfio_region_dma_range range{uint64_t((param >> 1) & 3) * 0x1000, uint64_t{0x1000} << ((param >> 3) & 3)};
		std::memcpy(body, &req, sizeof(req));
		std::memcpy(body + sizeof(req), &range, sizeof(range));
		set(p.dmabuf, feature(VFIO_DEVICE_FEATURE_DMA_BUF | VFIO_DEVICE_FEATURE_GET, body, sizeof(body)));
		break;
	}
	case 6:
		call(p, k, Op::Mmap, {0, int64_t{0x1000} << (param % 5), PROT_READ | PROT_WRITE, MAP_SHARED, p.device,
				      kBar2 + (param >> 5) * 0x1000});
		break;
	case 7: call(p, k, Op::Mmap, {0, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED, p.dmabuf, 0}); break;
	case 8:
		if (!p.maps.empty()) {
			auto mp = p.maps[param % p.maps.size()];
			if (call(p, k, Op::Munmap, {mp.first, mp.second}) == 0)
				std::erase(p.maps, mp);
		}
		break;
	case 9: {   /* PCI_COMMAND's memory enable */
		if (call(p, k, Op::Pread, {p.device, at(kStructs), 2, kConfig + 4}) != 2)
			break;
		sc[0] = (param & 1) ? (sc[0] | 2) : (sc[0] & ~2);
		call(p, k, Op::Pwrite, {p.device, at(kStructs), 2, kConfig + 4});
		break;
	}
	case 10: {
		vfio_device_feature_dma_buf_revoke body{p.dmabuf};
		feature(VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE | VFIO_DEVICE_FEATURE_SET, &body, sizeof(body));
		break;
	}
	case 11: {   /* close(2) as the shim does it */
		int *named[] = {&p.container, &p.group, &p.device, &p.dmabuf};
		int &fd = *named[param % 4];
		if (fd >= 0 && cmd(p, Cmd::Close, {fd})) {
			forget(p, fd);
			call(p, k, Op::Closed, {fd});
			fd = -1;
		}
		break;
	}
	case 12: {
		vfio_region_info info{};
		info.argsz = (param & 0x80) ? 256 : sizeof(info);
		info.index = param % 10;
		std::memcpy(sc, &info, sizeof(info));
		call(p, k, Op::Ioctl, {p.device, VFIO_DEVICE_GET_REGION_INFO, at(kStructs)});
		break;
	}
	case 13:
		if (call(p, k, Op::ForkPrepare, {}) > 0)
			attach(other(p), static_cast<uint8_t>(forks_.size() - 1));
		break;
	case 14: remember(p, call(p, k, Op::Open, {at(param & 1 ? kCdev : kIommu), O_RDWR})); break;
	default: {
		const int fd = pick_fd(p, param >> 3);
		switch (param % 5) {
		case 0: call(p, k, Op::Mappings, {at(kStructs), 0x1000}); break;
		case 1: call(p, k, Op::Resync, {}); break;
		case 2: call(p, k, Op::BufferOf, {p.dmabuf, at(kStructs)}); break;
		case 3: call(p, k, Op::Identify, {fd}); break;
		default: call(p, k, Op::LinkName, {fd, at(kStructs), 256}); break;
		}
	}
	}
}

/* A stray write to the mailbox: its words are the process's to write, the
 * kernel's among them. (what & 15) % 12 is the word, what >> 4 a count of
 * repeats (1 << (count % 8)): a flood. */
void Driver::poke()
{
	Pup &p = pup();
	const uint8_t what = in_.u8();
	const unsigned k = in_.u8() % wire::kSlots;
	const uint32_t v = in_.u32();
	if (!p.live || !p.mb)
		return;
	wire::Header &h = p.mb->header;
	wire::SlotControl &c = p.mb->slots[k].c;
	auto ring = [&] {
		h.doorbell.fetch_add(1);
		wire::futex_wake(h.doorbell);
	};
	for (unsigned n = 1u << ((what >> 4) % 8); n--;) {
		switch ((what & 15) % 12) {
		case 0: h.state.store(v % 4); break;
		case 1: ring(); break;
		case 2: h.done.store(v); wire::futex_wake(h.done); break;
		case 3: h.posted.store(v); break;
		case 4: c.owner.store(v); break;
		case 5: {   /* "nobody serves this slot", the last message a request again */
			const uint32_t request = static_cast<uint32_t>(wire::MsgKind::Request);
			if (v & 2)
				std::memcpy(p.mb->slots[k].payload, &request, sizeof(request));
			const uint32_t seen = c.to_client.load();
			c.served.store(v & 1);
			ring();
			/* The kernel's answer to it before the next one; none (it
			 * was not a request, or the process is cut off): done. */
			const uint64_t end = now_ns() + 20 * kMs;
			for (uint64_t t = now_ns(); c.to_client.load() == seen && t < end; t = now_ns())
				wire::futex_wait(c.to_client, seen, end - t);
			if (c.to_client.load() == seen ||
			    h.state.load() != static_cast<uint32_t>(wire::MailboxState::Alive))
				return;
			break;
		}
		case 6: c.wanted.store(v & 1); ring(); break;
		case 7: c.to_kernel.fetch_add(1 + v % 2); wire::futex_wake(c.to_kernel); break;
		case 8: c.to_client.store(v); break;
		case 10:   /* numbers "closed", with or without their summary bit */
			h.closed.words[v % wire::ClosedNumbers::kWords].store(uint64_t{v} * 0x9e3779b97f4a7c15ull);
			if (v & 1)
				h.closed.summary[(v >> 1) % wire::ClosedNumbers::kSummaryWords].fetch_or(uint64_t{1} << (v >> 8) % 64);
			break;
		case 11: h.closed.generation.fetch_add(v); break;
		default:   /* the body of the message, after it was posted (a header: POST) */
			std::memcpy(p.mb->slots[k].payload + sizeof(wire::MsgHeader) + v % (wire::kPayload - 20), &v, 4);
			break;
		}
	}
}

void Driver::fd_action(bool close)
{
	Pup &p = pup();
	const uint8_t b = in_.u8(), tell = close ? in_.u8() : 0;
	const int fd = pick_fd(p, b);
	if (!p.live || p.fds.empty())
		return;
	if (!close) {
		if (cmd(p, Cmd::Dup, {fd}))
			remember(p, p.ctl->r[0]);
	} else {
		if ((tell & 2) && p.mb)
			wire::mark_closed(p.mb->header.closed, fd);
		if (!cmd(p, Cmd::Close, {fd}))
			return;
		forget(p, fd);
		if (tell & 1)
			call(p, tell >> 4, Op::Closed, {fd});
	}
}

/* A raw message: any kind, op and body, the slot's seq or another. */
void Driver::post_action()
{
	Pup &p = pup();
	const unsigned k = in_.u8() % wire::kSlots;
	wire::MsgHeader h{in_.u8() % 6u, in_.u8(), 0, 0};
	const uint8_t seq = in_.u8();
	auto body = in_.bytes(in_.u8() % 128);
	if (!ready(p, false))
		return;
	if (h.kind == static_cast<uint32_t>(wire::MsgKind::Request) && h.op == static_cast<uint32_t>(Op::SysfsWrite))
		h.op = static_cast<uint32_t>(Op::SysfsRoot);
	SlotState &s = p.slots[k];
	h.seq = (seq & 1) ? s.seq : seq >> 1;
	unsigned char msg[sizeof(h) + 128] = {};
	std::memcpy(msg, &h, sizeof(h));
	if (!body.empty())
		std::memcpy(msg + sizeof(h), body.data(), body.size());
	raw(p, k).post(msg, sizeof(h) + body.size());
	s.seq = h.seq;
	s.op = h.op;
	s.st = SlotState::KernelOwes;
}

void Driver::play()
{
	uint8_t *sc = h_.zygote().scratch();
	std::memset(sc, 0, puppet::kScratch);
	auto put = [&](size_t off, const std::string &s) { std::memcpy(sc + off, s.c_str(), s.size() + 1); };
	put(kVfio, "/dev/vfio/vfio");
	put(kGroup0, "/dev/vfio/" + std::to_string(h_.group(0)));
	put(kGroup1, "/dev/vfio/" + std::to_string(h_.group(1)));
	put(kIommu, "/dev/iommu");
	put(kCdev, "/dev/vfio/devices/vfio0");
	put(kBdf0, h_.bdf(0));
	put(kBdf1, h_.bdf(1));
	put(kDevDir, "/dev/vfio");
	for (unsigned n = 0; n < 512 && !in_.empty(); n++) {
		switch (in_.u8() % 12) {
		case 0: call_action(); break;
		case 1: {
			Pup &p = pup();
			const unsigned k = in_.u8() % wire::kSlots;
			if (p.live && p.mb)
				drive(p, k, -2);
			break;
		}
		case 2: good(); break;
		case 3: join_action(); break;
		case 4: fd_action(true); break;
		case 5: fd_action(false); break;
		case 6: poke(); break;
		case 7: pup().ctl->ack.store(in_.u8() % 3); break;
		case 8: kill(pup()); break;
		case 9: {
			Pup &p = pup();
			if (p.live)
				::syscall(SYS_pidfd_send_signal, p.pidfd, p.stopped ? SIGCONT : SIGSTOP, nullptr, 0);
			p.stopped = p.live && !p.stopped;
			break;
		}
		case 10: post_action(); break;
		default: {
			const size_t off = in_.u16() % puppet::kScratch;
			auto b = in_.bytes(in_.u8());
			if (!b.empty())
				std::memcpy(sc + off, b.data(), std::min(b.size(), puppet::kScratch - off));
			break;
		}
		}
		note();
	}
}

namespace {

void run(const uint8_t *data, size_t size)
{
	Harness &h = Harness::get();
	Input in(data, size);
	Records records;
	Driver d(h, in);
	d.play();
	d.finish(records);
	h.settle(records, [&](Records &more) { d.reap(more); });
	h.health_check();
	h.take_baseline();
	check_baseline("fuzz_session");
}

void set_up()
{
	Harness::get();
}

/* A device opened, exported and mapped by A, which forks (B takes the
 * record over); a query; A dies. */
const uint8_t kWarm[] = {2, 0, 0, 0,   2, 0, 1, 0,   2, 0, 2, 0,   2, 0, 3, 0,   2, 0, 4, 0,   2, 0, 5, 0,
			 2, 0, 6, 0,   2, 0, 7, 0,   2, 0, 12, 0,  2, 0, 13, 0,  3, 0, 3, 0,   8, 0};

} /* namespace */

const Fuzzer kFuzzer{run, kWarm, set_up};

} /* namespace softvfio::fuzz */
