/* SPDX-License-Identifier: MIT */
/*
 * What every benchmark program may share without linking any softvfio
 * code: the real-kernel baselines the control-path figures are judged
 * against, the monotonic clock the manually timed benchmarks read, and
 * the fd limit the 1000-object benchmarks need. Header-only, because the
 * programs run under `softvfio run` must reach the model through the shim
 * alone.
 */
#pragma once

#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

namespace softvfio::bench {

/* The baseline of the control-path figures: a real kernel ioctl, FIONREAD
 * on an eventfd, in the same process. */
inline void eventfd_fionread(benchmark::State &state)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	int n = 0;
	for (auto _ : state)
		benchmark::DoNotOptimize(ioctl(fd, FIONREAD, &n));
	close(fd);
}

/* Seconds on the monotonic clock. Manually timed benchmarks read it
 * around the call alone and rebuild their fixture untimed, their baseline
 * the same way, so neither side carries PauseTiming's own cost. */
inline double now()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/* Each iteration's manual time, and the fastest as counter best_ns, which
 * the report judges the cross-process figures by: their work is split
 * between the program and the session kernel, and on a shared machine a
 * mean of the wall time mostly measures how long each process waited for
 * a CPU behind other jobs; the fastest iteration is what the work costs. */
class FastestIteration
{
public:
	explicit FastestIteration(benchmark::State &state) : state_(state) {}
	~FastestIteration()
	{
		if (best_ < 1e300)
			state_.counters["best_ns"] = best_ * 1e9;
	}
	FastestIteration(const FastestIteration &) = delete;
	FastestIteration &operator=(const FastestIteration &) = delete;

	void record(double seconds)
	{
		state_.SetIterationTime(seconds);
		if (seconds < best_)
			best_ = seconds;
	}

private:
	benchmark::State &state_;
	double best_ = 1e300;
};

/* Room for 1000 dma-bufs and whatever the program holds besides. */
inline void raise_fd_limit()
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

} /* namespace softvfio::bench */
