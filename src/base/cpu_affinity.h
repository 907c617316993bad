/* SPDX-License-Identifier: MIT */
/*
 * The CPUs a thread the model starts may run on.
 *
 * A session's workers run on the CPU of the client they serve
 * (session/client_process.cc, follow_client_cpu), and a thread or process
 * inherits its creator's affinity: a model thread started from a worker (a
 * device thread, the deferred release) or a device host spawned from one
 * would stay on that one CPU for good. They take the process's first
 * thread's affinity instead: what the session (or the program, in process)
 * was given, by whoever started it.
 */
#pragma once

#include <sched.h>

namespace softvfio {

/* The calling thread takes the first thread's affinity (nothing if it
 * cannot be read). */
void adopt_leader_affinity() noexcept;

/* For its scope, the calling thread runs with the first thread's affinity,
 * then gets its own back: for a process spawned from it. */
class LeaderAffinityScope
{
public:
	LeaderAffinityScope() noexcept;
	~LeaderAffinityScope();
	LeaderAffinityScope(const LeaderAffinityScope &) = delete;
	LeaderAffinityScope &operator=(const LeaderAffinityScope &) = delete;

private:
	cpu_set_t own_;
	bool changed_ = false;
};

} /* namespace softvfio */
