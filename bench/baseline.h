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
