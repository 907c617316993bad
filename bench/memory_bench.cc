/* SPDX-License-Identifier: MIT */
/*
 * What a DMABUF and a CPU mapping of one cost the model: heap bytes
 * (mallinfo2), resident bytes (/proc/self/statm) and descriptors, per
 * object, over 1000 of them. Reported as counters; the iteration time is
 * the cost of creating and destroying the 1000.
 */
#include <benchmark/benchmark.h>

#include <cstdio>
#include <dirent.h>
#include <malloc.h>
#include <unistd.h>
#include <vector>

#include "bench_setup.h"

using softvfio::bench::BenchDevice;

namespace {

constexpr unsigned kBar = 2;
constexpr size_t kCount = 1000;
constexpr size_t kSize = 64 << 10;

struct Usage {
	double heap;
	double rss;
	double fds;
};

Usage usage()
{
	Usage u{};
	u.heap = static_cast<double>(mallinfo2().uordblks);
	long pages = 0, resident = 0;
	if (FILE *f = std::fopen("/proc/self/statm", "r")) {
		if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		std::fclose(f);
	}
	u.rss = static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
	if (DIR *d = opendir("/proc/self/fd")) {
		while (readdir(d))
			u.fds += 1;
		closedir(d);
	}
	return u;
}

void report(benchmark::State &state, const Usage &before, const Usage &after)
{
	state.counters["heap_bytes_each"] = (after.heap - before.heap) / kCount;
	state.counters["rss_bytes_each"] = (after.rss - before.rss) / kCount;
	state.counters["fds_each"] = (after.fds - before.fds) / kCount;
}

void BM_Memory_Buffer(benchmark::State &state)
{
	BenchDevice dev;
	std::vector<int> bufs(kCount);
	for (auto _ : state) {
		Usage before = usage();
		for (size_t i = 0; i < kCount; i++)
			bufs[i] = dev.export_bar(kBar, i * kSize, kSize);
		Usage after = usage();
		report(state, before, after);
		for (int b : bufs)
			dev.kernel.close(b);
		dev.kernel.flush_deferred_releases();
	}
}
BENCHMARK(BM_Memory_Buffer)->Name("Memory/Buffer")->Iterations(3)->Unit(benchmark::kMillisecond);

void BM_Memory_Mapping(benchmark::State &state)
{
	BenchDevice dev;
	int buf = dev.export_bar(kBar, 0, kSize);
	std::vector<void *> maps(kCount);
	for (auto _ : state) {
		Usage before = usage();
		for (auto &m : maps)
			m = dev.map_buf(buf, kSize);
		Usage after = usage();
		report(state, before, after);
		for (void *m : maps)
			dev.kernel.munmap(m, kSize);
	}
	dev.kernel.close(buf);
}
BENCHMARK(BM_Memory_Mapping)->Name("Memory/Mapping")->Iterations(3)->Unit(benchmark::kMillisecond);

__attribute__((constructor)) void room_for_1000_buffers()
{
	softvfio::bench::raise_fd_limit();
}

} /* namespace */

BENCHMARK_MAIN();
