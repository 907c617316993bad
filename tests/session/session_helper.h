/* SPDX-License-Identifier: MIT */
/*
 * session_helper: processes of a session that start as new program images
 * (fork, then exec of tests/session/session_helper), for the tests whose
 * processes run threads while the test process runs the session kernel's
 * threads, or that are programs of their own.
 *
 * A child forked from a multi-threaded process cannot start threads under
 * ThreadSanitizer: it "ignores everything" from the fork on (its new
 * threads have no state, handlers installed through the sanitizer never
 * run), so such processes exec first. They join the session on their own, as a
 * program started under `softvfio run` would, and find their fds (passed
 * across the exec) by identity.
 *
 * Each mode shares one struct with the test, in a memfd passed across the
 * exec.
 */
#pragma once

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

/* In a helper process's role: a failed condition is reported on stderr
 * and the role returns 1 (its exit status). */
#define HELPER_CHECK(cond)                                                                      \
	do {                                                                                    \
		if (!(cond)) {                                                                  \
			std::fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #cond); \
			return 1;                                                               \
		}                                                                               \
	} while (0)

namespace softvfio::session {
class Connection;
}

namespace softvfio::test::helper {

/* "reader": `threads` threads read and write the BAR mapping of the
 * device fd it got, while the test's toggling process publishes phases:
 *   3r + 1: the "off" call returned: every access must fault;
 *   3r + 2: the "on" call is about to be made: anything goes;
 *   3r + 3: the "on" call returned: every access must succeed. */
struct StressShared {
	std::atomic<uint32_t> phase{0};
	std::atomic<uint32_t> acks{0};
	std::atomic<uint32_t> started{0};
	std::atomic<uint32_t> stop{0};
	std::atomic<uint32_t> rounds{0};
	std::atomic<uint32_t> timed_out{0};
	std::atomic<uint64_t> accesses{0};
	std::atomic<uint64_t> faults{0};
	/* An access that succeeded although "off" had returned for its round
	 * before it and "on" had not started after it. */
	std::atomic<uint64_t> violations{0};
	/* The first access of a thread after a phase was out. */
	std::atomic<uint64_t> missed_fault{0};
	std::atomic<uint64_t> missed_access{0};
	std::atomic<uint64_t> wrong_data{0};
};
constexpr uint64_t kStressPages = 16;
constexpr uint64_t kStressBar2 = uint64_t(2) << 40;
constexpr uint32_t stress_pattern(uint64_t page) { return 0x5e550000u | static_cast<uint32_t>(page); }
enum StressPhase : uint32_t { kOff = 1, kTurningOn = 2, kOn = 0 };

/* "opener": `threads` threads open /dev/vfio/vfio, use and close it
 * `opens` times each. */
struct OpenerShared {
	std::atomic<uint64_t> opens{0};
	std::atomic<uint64_t> failures{0};
};

/* "flood": `threads` threads make calls until `stop`. Once every one
 * does and they made kFloodWarmCalls, `ready` turns 1 (a futex word: its
 * waiters are woken). */
constexpr uint64_t kFloodWarmCalls = 1000;
struct FloodShared {
	std::atomic<uint32_t> flooding{0};
	std::atomic<uint32_t> ready{0};
	std::atomic<uint32_t> stop{0};
	std::atomic<uint64_t> calls{0};
	std::atomic<uint64_t> errors{0};
};

/* "observer": maps the first kObservedPages pages of BAR2 through the
 * device fd it got, and a DMABUF of the same pages through the dma-buf fd
 * it got, then checks both each time the test's driver says a step is
 * out (a byte on the step pipe), after the driver's call returned, and
 * answers (a byte on the done pipe):
 *   live:   every page reads observed_pattern(page);
 *   not:    every access raises SIGBUS, BUS_ADRERR, at the exact address;
 *   kBufPermRevoked: besides, mmap of its dma-buf fd fails with ENODEV
 *           and a REVOKE of it with EBADFD, in this process too. */
enum ObserverExpect : uint32_t { kBarLive = 1, kBufLive = 2, kBufPermRevoked = 4, kObserverQuit = 8 };
struct ObserverShared {
	std::atomic<uint32_t> expect{0};
	std::atomic<uint32_t> steps{0};
	std::atomic<uint32_t> failures{0};
	char failure[200] = {};   /* the first, for the test's message */
};
constexpr uint64_t kObservedPages = 4;
constexpr uint32_t observed_pattern(uint64_t page) { return 0x0b5e0000u | static_cast<uint32_t>(page); }

/* "chaos": `threads` threads export DMABUFs of BAR2, map them, pass their
 * fds to other chaos processes (SCM_RIGHTS, a record index as the data),
 * revoke them, reset the device and close or drop what they hold, in an
 * order drawn from `seed`, until `stop`, the process's `exit_at` (it then
 * exits holding what it holds) or its deadline. Every access is checked
 * against what was published before it: a buffer whose REVOKE returned
 * (revoked[record]), or memory whose "off" call returned and whose "on"
 * call has not started (memory odd), must fault. */
constexpr unsigned kChaosSlots = 8;
constexpr unsigned kChaosRecords = 4096;
constexpr uint64_t kChaosPages = 8;
enum ChaosAction : uint32_t {
	kExport = 1, kSend = 2, kReceive = 4, kRevoke = 8, kRelease = 16, kReset = 32, kProbe = 64,
};
struct ChaosSlot {
	std::atomic<uint64_t> ops{0};        /* actions drawn by the current image */
	std::atomic<uint64_t> exit_at{0};    /* 0: run until stop */
};
struct ChaosShared {
	std::atomic<uint32_t> memory{0};
	std::atomic<uint32_t> stop{0};
	/* The actions drawn (bits of ChaosAction); the others are skipped. */
	std::atomic<uint32_t> actions{~0u};
	std::atomic<uint32_t> next_record{0};
	std::atomic<uint32_t> revoked[kChaosRecords] = {};
	std::atomic<uint64_t> ids[kChaosRecords] = {};   /* the kernel's id of each record's buffer */
	ChaosSlot slots[kChaosSlots];
	std::atomic<uint64_t> exports{0}, maps{0}, sends{0}, receives{0}, revokes{0}, resets{0}, releases{0};
	std::atomic<uint64_t> accesses{0}, faults{0};
	std::atomic<uint32_t> kills{0};   /* images killed by the driver */
	/* Accesses made when they had to fault, and those that did not. */
	std::atomic<uint64_t> after_revoke{0}, after_off{0};
	std::atomic<uint64_t> revoke_violations{0}, off_violations{0};
	/* An access that raised another signal than SIGBUS (where Linux
	 * gives SIGBUS or the data). */
	std::atomic<uint64_t> wrong_signals{0};
	/* A call that failed in a way no interleaving explains. */
	std::atomic<uint64_t> errors{0};
	std::atomic<uint32_t> reported{0}, violated{0}, signalled{0};
	char failure[200] = {};      /* the first error, for the test's message */
	char violation[200] = {};    /* the first access that succeeded */
	char wrong_signal[200] = {}; /* the first access that raised SIGSEGV */
};
/* The role's body (session_chaos_helper.cc), in the helper. */
int chaos(session::Connection &c, char **args);

/* A struct shared with a helper: a memfd (close-on-exec; the helper's
 * copy is made inheritable in the child) and its mapping. */
template<typename T>
struct Shared {
	int fd = -1;
	T *p = nullptr;
	Shared()
	{
		fd = ::memfd_create("session-helper", MFD_CLOEXEC);
		if (fd < 0 || ::ftruncate(fd, sizeof(T)) < 0)
			return;
		void *m = ::mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m != MAP_FAILED)
			p = new (m) T();
	}
	~Shared()
	{
		if (p)
			::munmap(p, sizeof(T));
		if (fd >= 0)
			::close(fd);
	}
	T *operator->() { return p; }
	explicit operator bool() const { return p != nullptr; }
};

#ifdef SOFTVFIO_SESSION_HELPER
/* fork + exec the helper with `args`; the fds in `pass` are inherited
 * (their close-on-exec flag cleared in the child). Async-signal-safe
 * after the fork. The child's pid, or -errno. */
inline pid_t exec_helper(const std::vector<std::string> &args, const std::vector<int> &pass)
{
	std::vector<char *> argv;
	static char path[] = SOFTVFIO_SESSION_HELPER;
	argv.push_back(path);
	for (const auto &a : args)
		argv.push_back(const_cast<char *>(a.c_str()));
	argv.push_back(nullptr);
	pid_t pid = ::fork();
	if (pid == 0) {
		for (int fd : pass)
			::fcntl(fd, F_SETFD, 0);
		::execv(path, argv.data());
		::_exit(127);
	}
	return pid < 0 ? -errno : pid;
}
#endif

} /* namespace softvfio::test::helper */
