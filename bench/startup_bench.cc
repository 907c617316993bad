/* SPDX-License-Identifier: MIT */
/*
 * Start-up: `softvfio run -- true` against `true`, each a fork, exec and
 * wait, wall-clock time.
 */
#include <benchmark/benchmark.h>

#include <algorithm>
#include <spawn.h>
#include <time.h>
#include <sys/wait.h>
#include <vector>

extern char **environ;

namespace {

double now_ns()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

/* Besides the mean, the fastest start (counter best_ns): on a machine
 * shared with other jobs the mean of a fork+exec mostly measures waiting
 * for a CPU, the best one measures the start-up itself. */
void spawn_and_wait(benchmark::State &state, std::vector<const char *> argv)
{
	argv.push_back(nullptr);
	double best = 1e300;
	for (auto _ : state) {
		double t0 = now_ns();
		pid_t pid;
		if (posix_spawn(&pid, argv[0], nullptr, nullptr, const_cast<char **>(argv.data()), environ) != 0)
			return state.SkipWithError("posix_spawn");
		int status = 0;
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return state.SkipWithError("the command failed");
		best = std::min(best, now_ns() - t0);
	}
	state.counters["best_ns"] = best;
}

void BM_Startup_True(benchmark::State &state) { spawn_and_wait(state, {"/bin/true"}); }
BENCHMARK(BM_Startup_True)->Name("Startup/True")->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Startup_RunTrue(benchmark::State &state)
{
	spawn_and_wait(state, {SOFTVFIO_BINARY, "run", "--", "/bin/true"});
}
BENCHMARK(BM_Startup_RunTrue)->Name("Startup/RunTrue")->Unit(benchmark::kMillisecond)->UseRealTime();

} /* namespace */

BENCHMARK_MAIN();
