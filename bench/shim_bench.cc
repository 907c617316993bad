/* SPDX-License-Identifier: MIT */
/*
 * Run under `softvfio run`: the calls a VFIO program makes most, through
 * the shim to the session kernel, each beside a real system call of the
 * same process (bench_report pairs them by name).
 *
 *   RegionInfo/Shim     vs Ioctl/EventfdFionread  GET_REGION_INFO / a real FIONREAD
 *   ExportClose/Shim    vs ExportClose/Memfd      DMABUF export + close / memfd_create + close
 *   Memcpy/Bar/N        vs Memcpy/Shm/N           memcpy into a BAR mapping / into MAP_SHARED memfd memory
 *
 * Plain uAPI, as an unmodified program uses it (vfio_uapi.h).
 */
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "baseline.h"
#include "session_probe.h"
#include "vfio_uapi.h"

namespace uapi = softvfio::bench::uapi;
using softvfio::bench::FastestIteration;

namespace {

int device()
{
	static int fd = uapi::open_device();
	return fd;
}

BENCHMARK(softvfio::bench::eventfd_fionread)->Name("Ioctl/EventfdFionread");

/* A constant query: after the first call the process answers it from the
 * memo the kernel sent with that call's reply, without a round trip. */
void BM_RegionInfo_Shim(benchmark::State &state)
{
	int fd = device();
	vfio_region_info info{};
	for (auto _ : state) {
		info.argsz = sizeof(info);
		info.index = uapi::kBigBar;
		if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &info) < 0) {
			state.SkipWithError("GET_REGION_INFO failed");
			break;
		}
	}
}
BENCHMARK(BM_RegionInfo_Shim)->Name("RegionInfo/Shim");

/* The export figure is judged by the fastest iteration (FastestIteration),
 * both sides timed by hand the same way: half of the export's work is in
 * the session kernel. */
void BM_ExportClose_Memfd(benchmark::State &state)
{
	FastestIteration timer(state);
	for (auto _ : state) {
		double t0 = softvfio::bench::now();
		int fd = memfd_create("bench", MFD_CLOEXEC);
		benchmark::DoNotOptimize(fd);
		close(fd);
		timer.record(softvfio::bench::now() - t0);
	}
}
BENCHMARK(BM_ExportClose_Memfd)->Name("ExportClose/Memfd")->UseManualTime();

/* The export is a call of the session that has the process make the
 * stand-in socket pair; the close is the real close of the stand-in
 * followed by the kernel's last-close check, so the buffer is released
 * before close returns, as on Linux. Most of the work is the session
 * kernel's: its threads' CPU time per iteration is the counter
 * kernel_cpu_ns, so the report can give the CPU the pair costs in both
 * processes besides the wall time the program waits. */
void BM_ExportClose_Shim(benchmark::State &state)
{
	int fd = device();
	const pid_t kernel = softvfio::bench::session_kernel_pid();
	/* The first export starts the kernel's worker for this thread's
	 * slot: not in the figure. */
	close(uapi::export_bar(fd, uapi::kBigBar, 0, 2 << 20));
	const double k0 = softvfio::bench::process_cpu_ns(kernel);
	{
		FastestIteration timer(state);
		/* Each half's fastest too: which of the two round trips the
		 * figure is made of (counters export_best_ns, close_best_ns). */
		double export_best = 0, close_best = 0;
		for (auto _ : state) {
			double t0 = softvfio::bench::now();
			int buf = uapi::export_bar(fd, uapi::kBigBar, 0, 2 << 20);
			double t1 = softvfio::bench::now();
			close(buf);
			double t2 = softvfio::bench::now();
			timer.record(t2 - t0);
			if (export_best == 0 || t1 - t0 < export_best)
				export_best = t1 - t0;
			if (close_best == 0 || t2 - t1 < close_best)
				close_best = t2 - t1;
		}
		if (export_best > 0) {
			state.counters["export_best_ns"] = export_best * 1e9;
			state.counters["close_best_ns"] = close_best * 1e9;
		}
	}
	const double k1 = softvfio::bench::process_cpu_ns(kernel);
	if (kernel > 0 && k1 > k0)
		state.counters["kernel_cpu_ns"] = (k1 - k0) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_ExportClose_Shim)->Name("ExportClose/Shim")->UseManualTime();

/* Source and destination touched once, so the loop measures copying, not
 * first-touch faults (the same for both sides). */
void copy_loop(benchmark::State &state, void *dst, size_t size)
{
	/* Page-aligned like both destinations: with a heap buffer the source's
	 * offset within its page depends on what was allocated before, and a
	 * 4 KiB copy then costs more or less by store/load aliasing alone. */
	std::unique_ptr<char, decltype(&std::free)> src(static_cast<char *>(std::aligned_alloc(4096, size)), &std::free);
	if (!src)
		uapi::die("aligned_alloc");
	std::memset(src.get(), 0x5a, size);
	std::memset(dst, 0, size);
	for (auto _ : state) {
		std::memcpy(dst, src.get(), size);
		benchmark::ClobberMemory();
	}
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(size));
}

void BM_Memcpy_Shm(benchmark::State &state)
{
	size_t size = static_cast<size_t>(state.range(0));
	int fd = memfd_create("bench-shm", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, static_cast<off_t>(size)) < 0)
		uapi::die("memfd");
	void *dst = uapi::map(fd, size, 0);
	copy_loop(state, dst, size);
	munmap(dst, size);
	close(fd);
}

/* The mapping a program gets from mmap of the device fd: the process lays
 * the BAR memfd's pages there from its template (session/client/mm_table). */
void BM_Memcpy_Bar(benchmark::State &state)
{
	size_t size = static_cast<size_t>(state.range(0));
	int fd = device();
	void *dst = uapi::map(fd, size, static_cast<off_t>(uapi::region(fd, uapi::kBigBar).offset));
	copy_loop(state, dst, size);
	munmap(dst, size);
}

void memcpy_sizes(benchmark::internal::Benchmark *b)
{
	b->Arg(4 << 10)->Arg(2 << 20)->Arg(256 << 20);
}
BENCHMARK(BM_Memcpy_Shm)->Name("Memcpy/Shm")->Apply(memcpy_sizes);
BENCHMARK(BM_Memcpy_Bar)->Name("Memcpy/Bar")->Apply(memcpy_sizes);

} /* namespace */

BENCHMARK_MAIN();
