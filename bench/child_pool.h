/* SPDX-License-Identifier: MIT */
/*
 * Child processes for the cross-process benchmarks (bench_revoke), forked
 * by a program under `softvfio run`: the session's fork protocol makes
 * each a member of the session, with the parent's fds.
 *
 * The children are forked once and reused by every benchmark and every
 * iteration, so no figure includes a fork. Each sits blocked in recvmsg on
 * its own SOCK_SEQPACKET socket, as an idle program sits in a system call,
 * and answers commands: map a dma-buf it is sent (SCM_RIGHTS), touch it
 * and acknowledge; report whether its mapping faults (SIGBUS); unmap and
 * close. The same children serve the baseline: a SIGUSR1 whose handler
 * acknowledges by bumping the child's word in shared memory and waking
 * the parent's futex wait, which is the least a signal-and-acknowledge
 * round trip between two processes costs; and a SIGUSR2 whose handler
 * first remaps a mapping of its own the way the session client's handler
 * applies a revocation (mremap of a template, mprotect, madvise).
 *
 * Every step is synchronous (the parent waits for each answer), so nothing
 * depends on timing; any protocol failure aborts the program.
 */
#pragma once

#include <cstddef>
#include <sys/types.h>
#include <vector>

namespace softvfio::bench {

class ChildPool
{
public:
	/* Each child maps `map_length` bytes of the buffers it is sent. */
	explicit ChildPool(size_t map_length);
	/* Tells every child to exit and reaps it; aborts if one did not exit
	 * with status 0. */
	~ChildPool();
	ChildPool(const ChildPool &) = delete;
	ChildPool &operator=(const ChildPool &) = delete;

	/* At least `n` children (forks the missing ones). */
	void ensure(unsigned n);
	unsigned size() const { return static_cast<unsigned>(children_.size()); }

	/* Children [0, k) each receive `fd`, map it, write and read its first
	 * and last byte, and acknowledge. The commands go out first, then the
	 * answers are collected, so the children map in parallel. */
	void map(unsigned k, int fd);
	/* Children [0, k) unmap and close what they mapped. */
	void unmap(unsigned k);
	/* Children [0, k) write and read their mapping's first and last byte
	 * again (populated, as a working mapping is). */
	void touch(unsigned k);
	/* Does child i's mapping raise SIGBUS when read? */
	bool faults(unsigned i);

	/* One signal round trip: SIGUSR1 to child i (with `remap`, SIGUSR2:
	 * the handler remaps first), then a futex wait until its handler has
	 * acknowledged. */
	void ping(unsigned i, bool remap = false);
	/* SIGUSR1 to children [0, k) first, then the wait for every
	 * acknowledgement. */
	void ping_all(unsigned k);

private:
	struct Child {
		pid_t pid;
		int sock;
	};
	struct Shared;

	void send(unsigned i, char command, int fd = -1);
	char receive(unsigned i);

	size_t map_length_;
	Shared *shared_;
	std::vector<Child> children_;
};

} /* namespace softvfio::bench */
