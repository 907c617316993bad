/* SPDX-License-Identifier: MIT */
/*
 * The model in-process: each subject next to the baseline it is judged
 * against, measured in the same run (bench_report pairs them by name).
 *
 *   Memcpy/Bar/N       vs Memcpy/Shm/N        memcpy into a BAR mapping / into MAP_SHARED memfd memory
 *   RegionInfo/Model   vs Ioctl/EventfdFionread  the model's GET_REGION_INFO / a real kernel ioctl
 *   ExportClose/Dmabuf vs ExportClose/Memfd   DMABUF export + close / memfd_create + close
 *   Revoke/Buffer/N    vs Revoke/MapFixed/N   REVOKE of a buffer with N mappings / N mmap(MAP_FIXED)
 *   TempRevoke/Device/1000 vs Revoke/MapFixed/1000  memory disable with 1000 mapped buffers
 */
#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <vector>

#include "bench_setup.h"

using softvfio::bench::BenchDevice;
using softvfio::bench::check;

namespace {

constexpr unsigned kBigBar = 2;          /* the nic preset's 4 GiB BAR */
constexpr size_t kMapSize = 64 << 10;    /* each mapping in the revoke benchmarks */

/* Source and destination touched once, so the loop measures copying, not
 * first-touch faults (the same for both sides). */
void copy_loop(benchmark::State &state, void *dst, size_t size)
{
	/* Page-aligned like both destinations: with a heap buffer the source's
	 * offset within its page depends on what was allocated before, and a
	 * 4 KiB copy then costs more or less by store/load aliasing alone. */
	std::unique_ptr<char, decltype(&std::free)> src(static_cast<char *>(std::aligned_alloc(4096, size)), &std::free);
	if (!src)
		softvfio::bench::die("aligned_alloc", -ENOMEM);
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
	int fd = static_cast<int>(check("memfd_create", memfd_create("bench-shm", MFD_CLOEXEC)));
	check("ftruncate", ftruncate(fd, static_cast<off_t>(size)));
	void *dst = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (dst == MAP_FAILED)
		softvfio::bench::die("mmap shm", -errno);
	copy_loop(state, dst, size);
	munmap(dst, size);
	close(fd);
}

void BM_Memcpy_Bar(benchmark::State &state)
{
	size_t size = static_cast<size_t>(state.range(0));
	BenchDevice dev;
	void *dst = dev.map_bar(kBigBar, size);
	copy_loop(state, dst, size);
	dev.kernel.munmap(dst, size);
}

void memcpy_sizes(benchmark::internal::Benchmark *b)
{
	b->Arg(4 << 10)->Arg(2 << 20)->Arg(256 << 20);
}
BENCHMARK(BM_Memcpy_Shm)->Name("Memcpy/Shm")->Apply(memcpy_sizes);
BENCHMARK(BM_Memcpy_Bar)->Name("Memcpy/Bar")->Apply(memcpy_sizes);

BENCHMARK(softvfio::bench::eventfd_fionread)->Name("Ioctl/EventfdFionread");

/* GET_REGION_INFO of the big BAR on `options`' model, in a loop. */
void region_info_loop(benchmark::State &state, softvfio::KernelOptions options)
{
	BenchDevice dev("nic", options);
	vfio_region_info info{};
	for (auto _ : state) {
		info.argsz = sizeof(info);
		info.index = kBigBar;
		benchmark::DoNotOptimize(dev.kernel.ioctl(dev.fd, VFIO_DEVICE_GET_REGION_INFO, &info));
	}
}

void BM_RegionInfo_Model(benchmark::State &state)
{
	region_info_loop(state, {});
}
BENCHMARK(BM_RegionInfo_Model)->Name("RegionInfo/Model");

/* What the shim's path adds, piece by piece: the model as the shim
 * configures it (checking each stand-in fd's identity with fstat), and the
 * getpid() the shim asks on every call into the model (vfork children). */
void BM_RegionInfo_ModelVerified(benchmark::State &state)
{
	softvfio::KernelOptions options;
	options.verify_fd_identity = true;
	region_info_loop(state, options);
}
BENCHMARK(BM_RegionInfo_ModelVerified)->Name("RegionInfo/ModelVerified");

void BM_Syscall_Getpid(benchmark::State &state)
{
	for (auto _ : state)
		benchmark::DoNotOptimize(syscall(SYS_getpid));
}
BENCHMARK(BM_Syscall_Getpid)->Name("Syscall/Getpid");

void BM_ExportClose_Memfd(benchmark::State &state)
{
	for (auto _ : state) {
		int fd = memfd_create("bench", MFD_CLOEXEC);
		benchmark::DoNotOptimize(fd);
		close(fd);
	}
}
BENCHMARK(BM_ExportClose_Memfd)->Name("ExportClose/Memfd");

void BM_ExportClose_Dmabuf(benchmark::State &state)
{
	BenchDevice dev;
	for (auto _ : state) {
		int buf = dev.export_bar(kBigBar, 0, 2 << 20);
		dev.kernel.close(buf);
	}
	dev.kernel.flush_deferred_releases();
}
BENCHMARK(BM_ExportClose_Dmabuf)->Name("ExportClose/Dmabuf");

void mapping_counts(benchmark::internal::Benchmark *b)
{
	b->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);
}

/* Seconds on the monotonic clock. The revoke benchmarks time only the
 * call itself (manual time) and rebuild their fixture untimed, the
 * baseline the same way, so neither carries PauseTiming's overhead. */
double now()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/* What a zap of N VMAs costs at the least: N mmap(MAP_FIXED) system calls
 * replacing N separate shared mappings of a memfd. */
void BM_Revoke_MapFixed(benchmark::State &state)
{
	size_t n = static_cast<size_t>(state.range(0));
	int fd = static_cast<int>(check("memfd_create", memfd_create("bench-zap", MFD_CLOEXEC)));
	check("ftruncate", ftruncate(fd, kMapSize));
	std::vector<void *> maps(n);
	for (auto _ : state) {
		for (auto &m : maps)
			m = mmap(nullptr, kMapSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		double t0 = now();
		for (void *m : maps)
			mmap(m, kMapSize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		state.SetIterationTime(now() - t0);
		for (void *m : maps)
			munmap(m, kMapSize);
	}
	close(fd);
}
BENCHMARK(BM_Revoke_MapFixed)->Name("Revoke/MapFixed")->Apply(mapping_counts)->UseManualTime();

void BM_Revoke_Buffer(benchmark::State &state)
{
	size_t n = static_cast<size_t>(state.range(0));
	BenchDevice dev;
	std::vector<void *> maps(n);
	for (auto _ : state) {
		int buf = dev.export_bar(kBigBar, 0, kMapSize);
		for (auto &m : maps)
			m = dev.map_buf(buf, kMapSize);
		double t0 = now();
		dev.revoke(buf);
		state.SetIterationTime(now() - t0);
		for (void *m : maps)
			dev.kernel.munmap(m, kMapSize);
		dev.kernel.close(buf);
		dev.kernel.flush_deferred_releases();
	}
}
BENCHMARK(BM_Revoke_Buffer)->Name("Revoke/Buffer")->Apply(mapping_counts)->UseManualTime();

/* Memory disable with 1000 exported buffers, each mapped once: every one
 * goes TEMP_REVOKED and its mapping is zapped; enable restores them. */
void BM_TempRevoke_Device(benchmark::State &state)
{
	size_t n = static_cast<size_t>(state.range(0));
	BenchDevice dev;
	std::vector<int> bufs(n);
	std::vector<void *> maps(n);
	for (size_t i = 0; i < n; i++) {
		bufs[i] = dev.export_bar(kBigBar, i * kMapSize, kMapSize);
		maps[i] = dev.map_buf(bufs[i], kMapSize);
	}
	for (auto _ : state) {
		double t0 = now();
		dev.set_memory(false);
		state.SetIterationTime(now() - t0);
		dev.set_memory(true);
	}
	for (size_t i = 0; i < n; i++) {
		dev.kernel.munmap(maps[i], kMapSize);
		dev.kernel.close(bufs[i]);
	}
}
BENCHMARK(BM_TempRevoke_Device)->Name("TempRevoke/Device")->Arg(1000)->Unit(benchmark::kMicrosecond)->UseManualTime();

__attribute__((constructor)) void room_for_1000_buffers()
{
	softvfio::bench::raise_fd_limit();
}

} /* namespace */

BENCHMARK_MAIN();
