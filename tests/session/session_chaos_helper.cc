/* SPDX-License-Identifier: MIT */
/*
 * session_helper chaos (session_helper.h): threads that export, map, pass,
 * revoke, reset and drop DMABUFs of one device against the session, each
 * access judged by what the other processes published before it.
 */
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <thread>
#include <vector>

#include <softvfio/uapi/vfio.h>

#include "session/client/connection.h"
#include "session/session_helper.h"
#include "session/wire/protocol.h"
#include "support/dma_buf_arg.h"
#include "support/guarded_access.h"
#include "support/scm_rights.h"

namespace softvfio::test::helper {
namespace {

using session::Connection;
using session::wire::Op;



/* A buffer one chaos thread holds: its fd (-1 once closed, the mapping
 * alone holding the buffer), its mapping (0 if none) and its record. */
struct Held {
	int fd = -1;
	bool received = false;
	/* The record's REVOKE was published before its mmap began (1), by
	 * the time it returned (2). */
	unsigned published = 0;
	uint32_t record = 0;
	uintptr_t addr = 0;
	size_t length = 0;
};

/* What travels with a dma-buf fd between chaos processes. */
struct Passed {
	uint32_t record;
	uint32_t length;
};

constexpr long kForeign = -100001;   /* Kernel::kForeign: not an emulated range */
constexpr uint32_t kNoRecord = ~0u;

struct Chaos {
	Connection &c;
	ChaosShared &s;
	int device;
	unsigned slot;
	int own;                  /* this slot's receiving end */
	std::vector<int> sockets; /* every slot's sending end */
	uintptr_t bar;
	/* A number closed here is told to the kernel before recvmsg can
	 * hand it out again, as the shim's recvmsg does (it tells the kernel
	 * of a close it has not heard of yet before the program sees the
	 * number): without it the kernel, which trusts the numbers it knows
	 * (KernelOptions::verify_fd_identity), would take a received fd for
	 * the file closed at its number. */
	std::mutex numbers;
	/* The image's exit_at was reached. */
	std::atomic<bool> leaving{false};

	/* Count it; the first error, the first wrong signal and the first
	 * access that succeeded keep their words for the test's message. */
	void report(std::atomic<uint64_t> &counter, const char *fmt, ...)
	{
		counter++;
		const bool error = &counter == &s.errors, signal = &counter == &s.wrong_signals;
		if ((error ? s.reported : signal ? s.signalled : s.violated).fetch_add(1) != 0)
			return;
		va_list ap;
		va_start(ap, fmt);
		std::vsnprintf(error ? s.failure : signal ? s.wrong_signal : s.violation, sizeof(s.failure), fmt, ap);
		va_end(ap);
	}

	long map(int fd, size_t length)
	{
		session::MmTable::Guard guard(c.mm());
		long p = c.call(Op::Mmap, {0, static_cast<int64_t>(length), PROT_READ, MAP_SHARED, fd, 0}, nullptr, true);
		if (p >= 0 && session::last_apply_error()) {
			const int e = session::last_apply_error();
			c.call(Op::Munmap, {p, static_cast<int64_t>(length)}, nullptr, true);
			return -e;
		}
		return p;
	}

	long unmap(uintptr_t addr, size_t length)
	{
		session::MmTable::Guard guard(c.mm());
		long r = c.call(Op::Munmap, {static_cast<int64_t>(addr), static_cast<int64_t>(length)}, nullptr, true);
		if (r == 0 || r == kForeign)
			::munmap(reinterpret_cast<void *>(addr), length);
		return r == kForeign ? 0 : r;
	}

	uint64_t buffer_id(int fd)
	{
		session::wire::BufferData d{};
		return c.call(Op::BufferOf, {fd, reinterpret_cast<int64_t>(&d)}) == 0 ? d.id : 0;
	}

	long close(int fd)
	{
		std::lock_guard guard(numbers);
		if (::close(fd) < 0)
			return -errno;
		return c.call(Op::Closed, {fd});
	}

	/* One read, judged by what was published before it and after it. */
	void probe(uintptr_t addr, uint32_t record, const Held *h = nullptr)
	{
		const bool revoked = record != kNoRecord && s.revoked[record].load() != 0;
		const uint32_t before = s.memory.load();
		Access a = guarded_read(reinterpret_cast<void *>(addr));
		const bool off = (before & 1) && s.memory.load() == before;
		s.accesses++;
		if (a.faulted) {
			s.faults++;
			if (a.signo != SIGBUS)
				report(s.wrong_signals, "slot %u: signal %d code %d at %#lx (record %d, %s, fd %d)", slot,
				       a.signo, a.code, static_cast<unsigned long>(addr), record == kNoRecord ? -1 : int(record),
				       h ? (h->received ? "received" : "exported") : "bar", h ? h->fd : -1);
		}
		if (revoked) {
			s.after_revoke++;
			if (!a.faulted)
				report(s.revoke_violations,
				       "slot %u: record %u (buffer %llu, %s %u, fd %d: buffer %llu) read %#x after its REVOKE returned",
				       slot, record, static_cast<unsigned long long>(s.ids[record].load()),
				       h && h->received ? "received" : "exported", h ? h->published : 9, h ? h->fd : -1,
				       static_cast<unsigned long long>(h && h->fd >= 0 ? buffer_id(h->fd) : 0), a.value);
		}
		if (off) {
			s.after_off++;
			if (!a.faulted)
				report(s.off_violations, "slot %u: %s read %#x after memory off returned (phase %u)", slot,
				       record == kNoRecord ? "the BAR" : "a DMABUF", a.value, before);
		}
	}

	void export_one(std::mt19937_64 &rng, std::vector<Held> &held)
	{
		const uint32_t record = s.next_record++;
		if (record >= kChaosRecords)
			return;
		const uint64_t page = rng() % kChaosPages;
		const uint64_t pages = 1 + rng() % (kChaosPages - page);
		DmaBufArg arg = dma_buf_arg(VFIO_PCI_BAR2_REGION_INDEX, page * 4096, pages * 4096);
		long fd = c.call(Op::Ioctl, {device, static_cast<int64_t>(VFIO_DEVICE_FEATURE),
					     reinterpret_cast<int64_t>(arg.data())});
		if (fd < 0)
			return report(s.errors, "slot %u: export: %ld", slot, fd);
		s.exports++;
		s.ids[record] = buffer_id(static_cast<int>(fd));
		Held h{static_cast<int>(fd), false, 0, record, 0, pages * 4096};
		/* ENODEV: exported while memory was off or a reset ran, and not
		 * back yet. */
		long p = map(h.fd, h.length);
		if (p >= 0)
			h.addr = static_cast<uintptr_t>(p), s.maps++;
		else if (p != -ENODEV)
			report(s.errors, "slot %u: mmap of a buffer it exported: %ld", slot, p);
		held.push_back(h);
	}

	/* To another slot's socket, without waiting: a full queue (its
	 * process is slow, or dead and not replaced yet) drops the message. */
	void send_one(std::mt19937_64 &rng, std::vector<Held> &held)
	{
		if (held.empty() || sockets.size() < 2)
			return;
		Held &h = held[rng() % held.size()];
		if (h.fd < 0)
			return;
		unsigned to = static_cast<unsigned>(rng() % (sockets.size() - 1));
		to += to >= slot;
		Passed data{h.record, static_cast<uint32_t>(h.length)};
		if (send_with_fd(sockets[to], &data, sizeof(data), h.fd, MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof(data)) {
			if (errno != EAGAIN)
				report(s.errors, "slot %u: sendmsg: %s", slot, std::strerror(errno));
			return;
		}
		s.sends++;
		/* Sometimes the copy in flight is the only one left here. */
		if (rng() & 1) {
			if (long r = close(h.fd); r != 0)
				report(s.errors, "slot %u: close of a sent fd: %ld", slot, r);
			h.fd = -1;
		}
	}

	void receive_one(std::vector<Held> &held)
	{
		Passed data{};
		int fd;
		ssize_t n;
		{
			std::lock_guard guard(numbers);
			n = recv_with_fd(own, &data, sizeof(data), MSG_DONTWAIT | MSG_CMSG_CLOEXEC, fd);
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				report(s.errors, "slot %u: recvmsg: %s", slot, std::strerror(errno));
			return;
		}
		if (n != sizeof(data) || fd < 0 || data.record >= kChaosRecords)
			return report(s.errors, "slot %u: a message without its fd", slot);
		Held h{fd, true, 0, data.record, 0, data.length};
		s.receives++;
		/* The fd that came is the buffer that was sent. */
		if (uint64_t id = buffer_id(h.fd); id != s.ids[data.record].load())
			report(s.errors, "slot %u: fd %d received for record %u (buffer %llu) is buffer %llu", slot, h.fd,
			       data.record, static_cast<unsigned long long>(s.ids[data.record].load()),
			       static_cast<unsigned long long>(id));
		/* Somebody may have revoked it already: no mapping then. */
		h.published = s.revoked[h.record].load();
		long p = map(h.fd, h.length);
		h.published |= s.revoked[h.record].load() << 1;
		if (p >= 0)
			h.addr = static_cast<uintptr_t>(p), s.maps++;
		else if (p != -ENODEV)
			report(s.errors, "slot %u: mmap of a received buffer: %ld", slot, p);
		held.push_back(h);
	}

	void revoke_one(std::mt19937_64 &rng, std::vector<Held> &held)
	{
		if (held.empty())
			return;
		Held &h = held[rng() % held.size()];
		if (h.fd < 0)
			return;
		uint8_t arg[sizeof(vfio_device_feature) + sizeof(vfio_device_feature_dma_buf_revoke)] = {};
		vfio_device_feature hdr{sizeof(arg), VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE | VFIO_DEVICE_FEATURE_SET};
		vfio_device_feature_dma_buf_revoke req{h.fd};
		std::memcpy(arg, &hdr, sizeof(hdr));
		std::memcpy(arg + sizeof(hdr), &req, sizeof(req));
		long r = c.call(Op::Ioctl, {device, static_cast<int64_t>(VFIO_DEVICE_FEATURE), reinterpret_cast<int64_t>(arg)});
		if (r == 0) {
			/* Published only now that the call returned. */
			s.revoked[h.record].store(1);
			s.revokes++;
		} else if (r != -EBADFD) {   /* EBADFD: somebody else's REVOKE came first */
			report(s.errors, "slot %u: REVOKE: %ld", slot, r);
		}
	}

	/* Drop the mapping, the fd or both: whatever is left holds the buffer. */
	void release_one(std::mt19937_64 &rng, std::vector<Held> &held)
	{
		if (held.empty())
			return;
		const size_t i = rng() % held.size();
		Held &h = held[i];
		const unsigned what = static_cast<unsigned>(rng() % 3);
		if (h.addr && what != 1) {
			if (long r = unmap(h.addr, h.length); r != 0)
				report(s.errors, "slot %u: munmap: %ld", slot, r);
			h.addr = 0;
		}
		if (h.fd >= 0 && what != 2) {
			if (long r = close(h.fd); r != 0)
				report(s.errors, "slot %u: close: %ld", slot, r);
			h.fd = -1;
		}
		if (!h.addr && h.fd < 0) {
			held[i] = held.back();
			held.pop_back();
		}
		s.releases++;
	}

	void run(uint64_t seed)
	{
		std::mt19937_64 rng(seed);
		std::vector<Held> held;
		ChaosSlot &me = s.slots[slot];
		const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(50);
		while (!s.stop.load() && std::chrono::steady_clock::now() < end) {
			const uint64_t ops = ++me.ops;
			const uint64_t exit_at = me.exit_at.load();
			/* Then every thread stops where it is and the process
			 * exits with whatever they hold. (Dying in the middle
			 * of calls is SIGKILL's part; _exit() from a thread
			 * while others run brings ThreadSanitizer's run-time
			 * down.) */
			if (exit_at && ops >= exit_at)
				leaving.store(true);
			if (leaving.load())
				break;
			/* Draws of actions that are off are skipped, not redrawn. */
			const unsigned pick = static_cast<unsigned>(rng() % 16);
			static constexpr uint32_t kOf[16] = {kExport, kExport, kSend,    kSend,   kReceive, kReceive,
							     kRevoke, kRelease, kReset,  kProbe,  kProbe,   kProbe,
							     kProbe,  kProbe,   kProbe,  kProbe};
			if (!(s.actions.load() & kOf[pick]))
				continue;
			switch (pick) {
			case 0:
			case 1:
				if (held.size() < 6)
					export_one(rng, held);
				else
					release_one(rng, held);
				break;
			case 2:
			case 3:
				send_one(rng, held);
				break;
			case 4:
			case 5:
				receive_one(held);
				break;
			case 6:
				revoke_one(rng, held);
				break;
			case 7:
				release_one(rng, held);
				break;
			case 8:
				if (rng() % 4 == 0) {
					if (long r = c.call(Op::Ioctl, {device, VFIO_DEVICE_RESET, 0}); r != 0)
						report(s.errors, "slot %u: RESET: %ld", slot, r);
					s.resets++;
				}
				break;
			default:
				probe(bar + (rng() % kChaosPages) * 4096, kNoRecord);
				for (const Held &h : held)
					if (h.addr)
						probe(h.addr + (rng() % (h.length / 4096)) * 4096, h.record, &h);
				break;
			}
		}
		/* What is still held goes with the process. */
	}
};

} /* namespace */

int chaos(Connection &c, char **args)
{
	void *shared = ::mmap(nullptr, sizeof(ChaosShared), PROT_READ | PROT_WRITE, MAP_SHARED, std::atoi(args[0]), 0);
	HELPER_CHECK(shared != MAP_FAILED);
	auto *s = static_cast<ChaosShared *>(shared);
	const int device = std::atoi(args[1]);
	const unsigned slot = static_cast<unsigned>(std::atoi(args[2]));
	const int threads = std::atoi(args[3]);
	const uint64_t seed = std::strtoull(args[4], nullptr, 10);
	std::vector<int> sockets;
	for (const char *p = args[6]; *p;) {
		char *next;
		sockets.push_back(static_cast<int>(std::strtol(p, &next, 10)));
		p = *next ? next + 1 : next;
	}
	HELPER_CHECK(slot < sockets.size() && slot < kChaosSlots);
	long bar;
	{
		session::MmTable::Guard guard(c.mm());
		bar = c.call(Op::Mmap, {0, static_cast<int64_t>(kChaosPages * 4096), PROT_READ, MAP_SHARED, device,
					static_cast<int64_t>(kStressBar2)},
			     nullptr, true);
	}
	if (bar <= 0 || session::last_apply_error())
		std::fprintf(stderr, "chaos slot %u: mmap of the BAR: %ld, laying it: %d\n", slot, bar,
			     session::last_apply_error());
	HELPER_CHECK(bar > 0 && !session::last_apply_error());
	Chaos chaos{c, *s, device, slot, std::atoi(args[5]), sockets, static_cast<uintptr_t>(bar), {}, {}};
	std::vector<std::thread> workers;
	for (int t = 0; t < threads; t++)
		workers.emplace_back([&chaos, seed, t] { chaos.run(seed * 131 + static_cast<uint64_t>(t)); });
	for (auto &t : workers)
		t.join();
	return 0;
}

} /* namespace softvfio::test::helper */
