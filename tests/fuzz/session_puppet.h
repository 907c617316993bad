/* SPDX-License-Identifier: MIT */
/*
 * Puppets: processes that fuzz_session speaks to the session kernel as,
 * without forking the fuzzer for each input (a fork of an instrumented
 * process costs milliseconds).
 *
 * The kernel knows a process by its pid (SO_PEERCRED at the join), reaches
 * its memory with process_vm_readv/writev and its fds with pidfd_getfd, and
 * drops everything it holds for it when its pidfd says it exited. A puppet
 * is such a process and nothing more: a few hundred bytes of code on a
 * stack of its own, which executes commands the fuzzer writes to shared
 * memory (make a socket pair, close or dup an fd, connect to the session
 * socket and join, map its mailbox) and acknowledges the kernel's mm work
 * in its signal handler, as a client's handler does. Everything else a
 * client does in its mailbox (requests, answers to sub-requests) the fuzzer
 * writes itself, into the same shared pages.
 *
 * Puppets are clone(CLONE_VM) children of a zygote, a process forked once
 * from the fuzzer before the session starts: making one costs a clone, and
 * whatever the kernel writes to a puppet's memory (a wild pointer in a
 * request) lands in the zygote's address space, never in the fuzzer's. The
 * fuzzer and every puppet share one region (Shared: the command blocks and
 * the scratch pages that request arguments point into) at the same address.
 * A puppet has an fd table of its own (0, 1, 2 and what it makes), so its
 * death closes its fds as any process's does.
 */
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

namespace softvfio::fuzz::puppet {

inline constexpr unsigned kPuppets = 3;
inline constexpr size_t kScratch = 16 * 4096;

enum class Cmd : uint32_t {
	Socketpair = 1,   /* a0: SOCK_CLOEXEC or 0 -> r0 0|-errno, r1, r2 */
	Pipe,             /* -> r0, r1, r2 */
	Close,            /* a0: fd */
	Dup,              /* a0: fd -> r0 new fd | -errno */
	Join,             /* buf[0, len): the request; a0: shut down writing after it.
			     -> r0 bytes of reply in buf (up to the close, at most
			     sizeof(buf)), r1 the fd that came with it or -1 */
	Mmap,             /* a0: fd -> r0 address of the mailbox mapping | -errno */
	Open,             /* buf: a path -> r0 fd | -errno (O_RDWR) */
	Spawn,            /* zygote: a0 puppet index -> r0 pid | -errno */
	Munmap,           /* zygote: a0 address, a1 length */
};

/* What a puppet's signal handler does with the kernel's mm work. */
enum class Ack : uint32_t {
	Done = 0,      /* done = posted, as a client that applied it */
	Never = 1,     /* a process that blocks the signal for good */
	Garbage = 2,   /* done = posted + 1000 */
};

struct alignas(64) Ctl {
	std::atomic<uint32_t> cmd_seq;
	std::atomic<uint32_t> done_seq;
	uint32_t cmd;
	std::atomic<uint32_t> ack;
	std::atomic<int32_t> pid;
	std::atomic<uint32_t> signals;   /* session signals the handler took */
	std::atomic<uint64_t> mailbox;   /* its mapping of its mailbox, for the handler */
	int64_t a[4];
	int64_t r[3];
	uint32_t len;
	unsigned char buf[512];
};

struct Shared {
	Ctl zygote;
	Ctl puppets[kPuppets];
	struct sockaddr_un addr;
	socklen_t addr_len;
};

/* The zygote and the shared region; one per fuzzer process. */
class Zygote
{
public:
	/* Before the session starts (no thread yet): the region, then the
	 * zygote. `sock`: the session socket. */
	bool start(const char *sock);

	Shared &shared() { return *shared_; }
	Ctl &ctl(unsigned i) { return shared_->puppets[i % kPuppets]; }
	/* Scratch pages, the same in every puppet, then an unmapped page. */
	uint8_t *scratch() const { return scratch_; }
	uint8_t *guard() const { return scratch_ + kScratch; }

	/* Run a command; false if it was not done in time (the puppet died,
	 * is stopped, or blocks). */
	bool command(Ctl &c, Cmd cmd, std::initializer_list<int64_t> args, uint64_t timeout_ns);
	/* A new puppet in slot `i` (the previous one there must be gone): its
	 * pid, or -errno. Starts a new zygote if the old one died. */
	pid_t spawn(unsigned i);
	/* Unmap a range of the puppets' address space (a dead puppet's
	 * mailbox). */
	void unmap(uint64_t addr, uint64_t length);

private:
	bool fork_zygote();

	Shared *shared_ = nullptr;
	uint8_t *scratch_ = nullptr;
	pid_t pid_ = -1;
	int pidfd_ = -1;
};

} /* namespace softvfio::fuzz::puppet */
