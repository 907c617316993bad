/* SPDX-License-Identifier: MIT */
/*
 * Start-up, each a posix_spawn and a wait, wall-clock time:
 *
 *   Startup/True     /bin/true
 *   Startup/RunTrue  softvfio run -- /bin/true: a session kernel launched for the run, the
 *                    program joining it, the session ending with it
 *   Startup/RunJoin  the same inside a running session (SOFTVFIO_SESSION of a `softvfio serve
 *                    --detach` started untimed before the benchmarks): the shim put in
 *                    LD_PRELOAD, the program joining, its exit noticed
 *
 * and what a join is made of: Startup/SoftvfioVersion (`softvfio --version`: the exec of
 * the softvfio binary and its libraries) and Startup/ShimTrue (/bin/true with the shim in
 * LD_PRELOAD and no session, which the shim then stays out of: loading it).
 *
 * The session for RunJoin is stopped (`softvfio serve --stop DIR`) before
 * the program exits; a failure to start or stop it fails the program.
 */
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace {

double now_ns()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

/* /dev/null, where the spawned commands' output goes. */
int g_null = -1;

/* This process's environment without a session of its own (the benchmark
 * might be started inside one), plus `extra` if given. */
std::vector<std::string> environment(const std::string &extra = {})
{
	std::vector<std::string> env;
	for (char **e = environ; *e; e++)
		if (std::strncmp(*e, "SOFTVFIO_SESSION=", 17) != 0 && std::strncmp(*e, "LD_PRELOAD=", 11) != 0)
			env.emplace_back(*e);
	if (!extra.empty())
		env.push_back(extra);
	return env;
}

std::vector<char *> pointers(std::vector<std::string> &strings)
{
	std::vector<char *> out;
	for (std::string &s : strings)
		out.push_back(s.data());
	out.push_back(nullptr);
	return out;
}

/* `argv` with `env`, its stdout to `out_fd` if >= 0: its pid. */
pid_t spawn(std::vector<std::string> argv, std::vector<std::string> env, int out_fd = -1)
{
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
	auto args = pointers(argv);
	auto envp = pointers(env);
	pid_t pid = -1;
	if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data()) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&actions);
	return pid;
}

bool exited_ok(pid_t pid)
{
	int status = 0;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Besides the mean, the fastest start (counter best_ns): on a machine
 * shared with other jobs the mean of a fork+exec mostly measures waiting
 * for a CPU, the best one measures the start-up itself. */
void spawn_and_wait(benchmark::State &state, const std::vector<std::string> &argv, const std::vector<std::string> &env)
{
	double best = 1e300;
	for (auto _ : state) {
		double t0 = now_ns();
		if (!exited_ok(spawn(argv, env, g_null)))
			return state.SkipWithError("the command failed");
		best = std::min(best, now_ns() - t0);
	}
	state.counters["best_ns"] = best;
}

/* SOFTVFIO_SESSION=DIR of the session RunJoin joins. */
std::string g_session;

void BM_Startup_True(benchmark::State &state)
{
	spawn_and_wait(state, {"/bin/true"}, environment());
}
BENCHMARK(BM_Startup_True)->Name("Startup/True")->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Startup_RunTrue(benchmark::State &state)
{
	spawn_and_wait(state, {SOFTVFIO_BINARY, "run", "--", "/bin/true"}, environment());
}
BENCHMARK(BM_Startup_RunTrue)->Name("Startup/RunTrue")->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Startup_RunJoin(benchmark::State &state)
{
	spawn_and_wait(state, {SOFTVFIO_BINARY, "run", "--", "/bin/true"}, environment(g_session));
}
BENCHMARK(BM_Startup_RunJoin)->Name("Startup/RunJoin")->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Startup_SoftvfioVersion(benchmark::State &state)
{
	spawn_and_wait(state, {SOFTVFIO_BINARY, "--version"}, environment());
}
BENCHMARK(BM_Startup_SoftvfioVersion)->Name("Startup/SoftvfioVersion")->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Startup_ShimTrue(benchmark::State &state)
{
	spawn_and_wait(state, {"/bin/true"}, environment("LD_PRELOAD=" SOFTVFIO_SHIM));
}
BENCHMARK(BM_Startup_ShimTrue)->Name("Startup/ShimTrue")->Unit(benchmark::kMillisecond)->UseRealTime();

/* `softvfio serve --detach`: the SOFTVFIO_SESSION=DIR line it prints once
 * the session serves, or "" on failure. */
std::string start_session()
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return {};
	pid_t pid = spawn({SOFTVFIO_BINARY, "serve", "--detach"}, environment(), pipefd[1]);
	close(pipefd[1]);
	std::string out;
	char buf[512];
	for (ssize_t n; (n = read(pipefd[0], buf, sizeof(buf))) > 0;)
		out.append(buf, static_cast<size_t>(n));
	close(pipefd[0]);
	if (!exited_ok(pid) || out.rfind("SOFTVFIO_SESSION=", 0) != 0)
		return {};
	return out.substr(0, out.find('\n'));
}

bool stop_session(const std::string &line)
{
	std::string dir = line.substr(line.find('=') + 1);
	return exited_ok(spawn({SOFTVFIO_BINARY, "serve", "--stop", dir}, environment()));
}

} /* namespace */

int main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	g_null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	g_session = start_session();
	if (g_session.empty()) {
		std::fprintf(stderr, "bench_startup: softvfio serve --detach did not start a session\n");
		return 1;
	}
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	if (!stop_session(g_session)) {
		std::fprintf(stderr, "bench_startup: softvfio serve --stop failed\n");
		return 1;
	}
	return 0;
}
