/* SPDX-License-Identifier: MIT */
/*
 * Run under `softvfio run`: what the session adds to a fork. A child of a
 * session client is a member of the session from its first instruction:
 * the parent's prepare handler asks the kernel for the child's record (a
 * copy of its fd table and mappings, with a mailbox of its own), the
 * child takes it over before fork() returns in it, and the kernel lets it
 * go when it exits.
 *
 *   Fork/Session  fork() + _exit + waitpid, through the C library (the shim's atfork handlers run)
 *   Fork/Plain    the same with the clone system call itself: what the host kernel's fork costs
 *                 this very process (same address space, same page tables to copy)
 *
 * Wall time: part of the work happens in the session kernel. Besides the
 * mean, the fastest fork+exit+wait (counter best_ns), which the report
 * uses: on a machine shared with other jobs a mean of process starts
 * mostly measures waiting for a CPU (a plain fork's wait alone ranges
 * from 10 µs to 8 ms there).
 */
#include <benchmark/benchmark.h>

#include <algorithm>
#include <csignal>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace {

double now_ns()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

bool reap(benchmark::State &state, pid_t pid)
{
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		state.SkipWithError("the child did not exit cleanly");
		return false;
	}
	return true;
}

void BM_Fork_Session(benchmark::State &state)
{
	double best = 1e300;
	for (auto _ : state) {
		double t0 = now_ns();
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (!reap(state, pid))
			break;
		best = std::min(best, now_ns() - t0);
	}
	state.counters["best_ns"] = best;
}
BENCHMARK(BM_Fork_Session)->Name("Fork/Session")->Unit(benchmark::kMicrosecond)->UseRealTime();

/* No atfork handler runs, so the child is not in the session; it leaves at
 * once through the system call, touching nothing of the C library's state
 * (which a raw clone does not fix up for it). */
void BM_Fork_Plain(benchmark::State &state)
{
	double best = 1e300;
	for (auto _ : state) {
		double t0 = now_ns();
		long pid = syscall(SYS_clone, SIGCHLD, 0, nullptr, nullptr, 0);
		if (pid == 0)
			syscall(SYS_exit_group, 0);
		if (!reap(state, static_cast<pid_t>(pid)))
			break;
		best = std::min(best, now_ns() - t0);
	}
	state.counters["best_ns"] = best;
}
BENCHMARK(BM_Fork_Plain)->Name("Fork/Plain")->Unit(benchmark::kMicrosecond)->UseRealTime();

} /* namespace */

BENCHMARK_MAIN();
