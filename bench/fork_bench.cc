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
 * Wall time: part of the work happens in the session kernel.
 */
#include <benchmark/benchmark.h>

#include <csignal>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

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
	for (auto _ : state) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (!reap(state, pid))
			break;
	}
}
BENCHMARK(BM_Fork_Session)->Name("Fork/Session")->Unit(benchmark::kMicrosecond)->UseRealTime();

/* No atfork handler runs, so the child is not in the session; it leaves at
 * once through the system call, touching nothing of the C library's state
 * (which a raw clone does not fix up for it). */
void BM_Fork_Plain(benchmark::State &state)
{
	for (auto _ : state) {
		long pid = syscall(SYS_clone, SIGCHLD, 0, nullptr, nullptr, 0);
		if (pid == 0)
			syscall(SYS_exit_group, 0);
		if (!reap(state, static_cast<pid_t>(pid)))
			break;
	}
}
BENCHMARK(BM_Fork_Plain)->Name("Fork/Plain")->Unit(benchmark::kMicrosecond)->UseRealTime();

} /* namespace */

BENCHMARK_MAIN();
