/* SPDX-License-Identifier: MIT */
/*
 * session_helper <mode> <session dir> <shared memfd> [args...]: a process of
 * the session started as a new image (session_helper.h). Exit status 0 when
 * it did its part; it says why on stderr otherwise.
 *
 *   reader <dir> <shm> <device fd> <first index> <threads>
 *   opener <dir> <shm> <threads> <opens>
 *   flood  <dir> <shm> <threads>
 *   receiver <dir> - <socket fd> <length> <mapped pipe (write end)> <revoked pipe (read end)>
 *   observer <dir> <shm> <device fd> <dma-buf fd> <step pipe (read end)> <done pipe (write end)>
 *   chaos <dir> <shm> <device fd> <slot> <threads> <seed> <own socket> <every slot's socket, comma-separated>
 */
#include "session/session_helper.h"
#include "support/scm_rights.h"

#include <cstdio>
#include <cstring>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <thread>
#include <vector>

#include <softvfio/uapi/vfio.h>

#include "session/client/connection.h"
#include "session/wire/futex.h"
#include "session/wire/protocol.h"
#include "support/guarded_access.h"

namespace softvfio::test::helper {
namespace {

using session::Connection;
using session::wire::Op;


template<typename T>
T *map_shared(const char *fd)
{
	void *p = ::mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED, std::atoi(fd), 0);
	return p == MAP_FAILED ? nullptr : static_cast<T *>(p);
}

long map_bar(Connection &c, int device, size_t length)
{
	session::MmTable::Guard guard(c.mm());
	long r = c.call(Op::Mmap, {0, static_cast<int64_t>(length), PROT_READ | PROT_WRITE, MAP_SHARED, device,
				   static_cast<int64_t>(kStressBar2)},
			nullptr, true);
	if (r >= 0 && session::last_apply_error())
		return -session::last_apply_error();
	return r;
}

void read_loop(StressShared &s, uintptr_t bar, unsigned index)
{
	const uint64_t page = index % kStressPages;
	auto *addr = reinterpret_cast<void *>(bar + page * 4096);
	const uint32_t expect = stress_pattern(page);
	uint32_t seen = s.phase.load();
	uint64_t accesses = 0, faults = 0;
	s.started++;
	for (uint64_t i = 0; !s.stop.load(std::memory_order_acquire); i++) {
		const uint32_t before = s.phase.load();
		if (before != seen) {
			/* The first access of this thread once the phase is out. */
			Access a = guarded_read(addr);
			if (before % 3 == kOff && !a.faulted)
				s.missed_fault++;
			if (before % 3 == kOn && before != 0) {
				if (a.faulted)
					s.missed_access++;
				else if (a.value != expect)
					s.wrong_data++;
			}
			seen = before;
			if (before % 3 != kTurningOn)
				s.acks++;
			continue;
		}
		const bool write = i & 1;
		Access a = write ? guarded_write(addr, expect) : guarded_read(addr);
		const uint32_t after = s.phase.load();
		accesses++;
		if (a.faulted) {
			faults++;
		} else {
			if (before % 3 == kOff && after == before)
				s.violations++;
			if (!write && a.value != expect)
				s.wrong_data++;
		}
		if ((i & 63) == 63)
			sched_yield();
	}
	s.accesses += accesses;
	s.faults += faults;
}

int reader(Connection &c, char **args)
{
	auto *s = map_shared<StressShared>(args[0]);
	HELPER_CHECK(s);
	const int device = std::atoi(args[1]);
	const unsigned first = static_cast<unsigned>(std::atoi(args[2]));
	const int threads = std::atoi(args[3]);
	/* The inherited device fd, found by its stand-in's identity. */
	long bar = map_bar(c, device, kStressPages * 4096);
	HELPER_CHECK(bar > 0);
	std::vector<std::thread> readers;
	for (int t = 0; t < threads; t++)
		readers.emplace_back(read_loop, std::ref(*s), static_cast<uintptr_t>(bar), first + static_cast<unsigned>(t));
	for (auto &t : readers)
		t.join();
	return 0;
}

int opener(Connection &c, char **args)
{
	auto *s = map_shared<OpenerShared>(args[0]);
	HELPER_CHECK(s);
	const int threads = std::atoi(args[1]);
	const int opens = std::atoi(args[2]);
	std::vector<std::thread> openers;
	for (int t = 0; t < threads; t++)
		openers.emplace_back([&] {
			for (int i = 0; i < opens; i++) {
				long fd = c.call(Op::Open, {reinterpret_cast<int64_t>("/dev/vfio/vfio"), O_RDWR});
				s->opens++;
				if (fd < 0) {
					s->failures++;
					continue;
				}
				for (int k = 0; k < 3; k++)
					if (c.call(Op::Ioctl, {fd, VFIO_GET_API_VERSION, 0}) != VFIO_API_VERSION)
						s->failures++;
				if (::close(static_cast<int>(fd)) < 0 || c.call(Op::Closed, {fd}) != 0)
					s->failures++;
			}
		});
	for (auto &t : openers)
		t.join();
	return 0;
}

int flood(Connection &c, char **args)
{
	auto *s = map_shared<FloodShared>(args[0]);
	HELPER_CHECK(s);
	const int threads = std::atoi(args[1]);
	long container = c.call(Op::Open, {reinterpret_cast<int64_t>("/dev/vfio/vfio"), O_RDWR});
	HELPER_CHECK(container >= 0);
	std::vector<std::thread> flooders;
	for (int t = 0; t < threads; t++)
		flooders.emplace_back([&, t] {
			s->flooding++;
			for (uint64_t i = 0; !s->stop.load(); i++) {
				long r;
				switch ((i + static_cast<uint64_t>(t)) % 3) {
				case 0:
					r = c.call(Op::Ioctl, {container, VFIO_GET_API_VERSION, 0}) == VFIO_API_VERSION ? 0 : -1;
					break;
				case 1:
					r = c.call(Op::Identify, {container}) == 1 ? 0 : -1;
					break;
				default: {
					session::wire::NodeInfoData n{};
					r = c.call(Op::NodeInfo, {reinterpret_cast<int64_t>("/dev/vfio/vfio"),
								  reinterpret_cast<int64_t>(&n)}) == 1
						    ? 0
						    : -1;
					break;
				}
				}
				if (++s->calls > kFloodWarmCalls && s->flooding.load() == static_cast<uint32_t>(threads) &&
				    !s->ready.exchange(1))
					session::wire::futex_wake(s->ready, INT32_MAX);
				if (r)
					s->errors++;
			}
		});
	for (auto &t : flooders)
		t.join();
	return 0;
}

/* Take one byte from `fd`. Waiting in poll(), not read(): under
 * ThreadSanitizer a signal for the program's handler is run only in the
 * calls it knows to block (poll does, read does not), or at the next call
 * it intercepts. */
bool take(int fd)
{
	char b;
	for (;;) {
		struct pollfd p{fd, POLLIN, 0};
		if (::poll(&p, 1, -1) < 0 && errno != EINTR)
			return false;
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		ssize_t n = ::read(fd, &b, 1);
		if (n == 1)
			return true;
		if (n < 0 && errno == EINTR)
			continue;
		return false;
	}
}

/* A dma-buf fd arrives with SCM_RIGHTS: map it through the session, check
 * the sender's bytes (0xc0de0000 | page at the start of each page), say
 * so, and once the sender says it revoked the buffer, every page faults. */
int receiver(Connection &c, char **args)
{
	const int sock = std::atoi(args[1]);
	const size_t length = static_cast<size_t>(std::atol(args[2]));
	const int mapped = std::atoi(args[3]), revoked = std::atoi(args[4]);
	char byte;
	int fd;
	ssize_t n;
	do
		n = recv_with_fd(sock, &byte, 1, MSG_CMSG_CLOEXEC, fd);
	while (n < 0 && errno == EINTR);
	HELPER_CHECK(n == 1);
	HELPER_CHECK(fd >= 0);
	long p;
	{
		session::MmTable::Guard guard(c.mm());
		p = c.call(Op::Mmap, {0, static_cast<int64_t>(length), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0}, nullptr,
			   true);
	}
	HELPER_CHECK(p > 0 && !session::last_apply_error());
	for (size_t page = 0; page < length / 4096; page++) {
		Access a = guarded_read(reinterpret_cast<void *>(p + page * 4096));
		HELPER_CHECK(!a.faulted && a.value == (0xc0de0000u | page));
	}
	HELPER_CHECK(::write(mapped, "m", 1) == 1);
	HELPER_CHECK(take(revoked));
	for (size_t page = 0; page < length / 4096; page++) {
		Access a = guarded_read(reinterpret_cast<void *>(p + page * 4096));
		HELPER_CHECK(a.faulted && a.signo == SIGBUS);
	}
	return 0;
}

/* Every page of the mapping at `addr` as the step expects: its pattern,
 * or SIGBUS BUS_ADRERR at the very address touched. */
void check_pages(ObserverShared &s, const char *what, uintptr_t addr, bool live)
{
	for (uint64_t page = 0; page < kObservedPages; page++) {
		/* Not the start of the page: the reported address is exact. */
		const uintptr_t at = addr + page * 4096 + 8;
		Access a = guarded_read(reinterpret_cast<void *>(at - 8));
		Access off = guarded_read(reinterpret_cast<void *>(at));
		bool ok = live ? !a.faulted && a.value == observed_pattern(page) && !off.faulted
			       : a.faulted && a.signo == SIGBUS && a.code == BUS_ADRERR && off.faulted &&
					 off.signo == SIGBUS && off.code == BUS_ADRERR && off.addr == at;
		if (!ok && s.failures++ == 0)
			std::snprintf(s.failure, sizeof(s.failure),
				      "step %u: %s page %llu: expected %s, got %s (signal %d code %d addr %#lx, value %#x)",
				      s.steps.load() + 1, what, static_cast<unsigned long long>(page),
				      live ? "data" : "SIGBUS/BUS_ADRERR", a.faulted || off.faulted ? "a fault" : "access",
				      off.faulted ? off.signo : a.signo, off.faulted ? off.code : a.code,
				      static_cast<unsigned long>(off.faulted ? off.addr : a.addr), a.value);
	}
}

void fail(ObserverShared &s, const char *what, long got)
{
	if (s.failures++ == 0)
		std::snprintf(s.failure, sizeof(s.failure), "step %u: %s: got %ld", s.steps.load() + 1, what, got);
}

int observer(Connection &c, char **args)
{
	auto *s = map_shared<ObserverShared>(args[0]);
	HELPER_CHECK(s);
	const int device = std::atoi(args[1]), buf = std::atoi(args[2]);
	const int step = std::atoi(args[3]), done = std::atoi(args[4]);
	const size_t length = kObservedPages * 4096;
	long bar = map_bar(c, device, length);
	HELPER_CHECK(bar > 0);
	long mapped;
	{
		session::MmTable::Guard guard(c.mm());
		mapped = c.call(Op::Mmap, {0, static_cast<int64_t>(length), PROT_READ, MAP_SHARED, buf, 0}, nullptr, true);
	}
	HELPER_CHECK(mapped > 0 && !session::last_apply_error());
	HELPER_CHECK(::write(done, "r", 1) == 1);
	while (take(step)) {
		const uint32_t e = s->expect.load();
		if (e & kObserverQuit)
			return 0;
		check_pages(*s, "the BAR mapping", static_cast<uintptr_t>(bar) + 0, e & kBarLive);
		check_pages(*s, "the DMABUF mapping", static_cast<uintptr_t>(mapped), e & kBufLive);
		if (e & kBufPermRevoked) {
			session::MmTable::Guard guard(c.mm());
			long r = c.call(Op::Mmap, {0, static_cast<int64_t>(length), PROT_READ, MAP_SHARED, buf, 0}, nullptr,
					true);
			if (r != -ENODEV)
				fail(*s, "mmap of the revoked buffer (-ENODEV wanted)", r);
		}
		if (e & kBufPermRevoked) {
			uint8_t arg[sizeof(vfio_device_feature) + sizeof(vfio_device_feature_dma_buf_revoke)] = {};
			vfio_device_feature hdr{sizeof(arg), VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE | VFIO_DEVICE_FEATURE_SET};
			vfio_device_feature_dma_buf_revoke req{buf};
			std::memcpy(arg, &hdr, sizeof(hdr));
			std::memcpy(arg + sizeof(hdr), &req, sizeof(req));
			long r = c.call(Op::Ioctl, {device, static_cast<int64_t>(VFIO_DEVICE_FEATURE),
						    reinterpret_cast<int64_t>(arg)});
			if (r != -EBADFD)
				fail(*s, "a second REVOKE (-EBADFD wanted)", r);
		}
		s->steps++;
		HELPER_CHECK(::write(done, "d", 1) == 1);
	}
	return 0;
}

} /* namespace */
} /* namespace softvfio::test::helper */

int main(int argc, char **argv)
{
	using namespace softvfio::test::helper;
	if (argc < 4) {
		std::fprintf(stderr, "usage: session_helper <mode> <dir> <shm> [args...]\n");
		return 2;
	}
	const std::string mode = argv[1];
	const int need = mode == "reader"     ? 7
			 : mode == "opener"   ? 6
			 : mode == "flood"    ? 5
			 : mode == "receiver" ? 8
			 : mode == "observer" ? 8
			 : mode == "chaos"    ? 10
					      : -1;
	if (need < 0 || argc < need) {
		std::fprintf(stderr, "session_helper: bad mode or arguments\n");
		return 2;
	}
	/* Kept for the process's whole life, as the shim keeps its own: the
	 * session's signals may come until the very end. */
	softvfio::session::Connection &c = *new softvfio::session::Connection;
	if (int r = c.join(argv[2]); r < 0) {
		std::fprintf(stderr, "session_helper: join: %s\n", std::strerror(-r));
		return 100;
	}
	char **args = argv + 3;
	if (mode == "reader")
		return reader(c, args);
	if (mode == "opener")
		return opener(c, args);
	if (mode == "receiver")
		return receiver(c, args);
	if (mode == "observer")
		return observer(c, args);
	if (mode == "chaos")
		return chaos(c, args);
	return flood(c, args);
}
