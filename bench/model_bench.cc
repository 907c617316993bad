/* SPDX-License-Identifier: MIT */
/*
 * The model library in-process (softvfio::Kernel, as ModelBackend and the
 * model's own tests use it, no session): each subject next to the baseline
 * it is judged against, measured in the same run (bench_report pairs them
 * by name). What a program under `softvfio run` pays is measured by the
 * programs run there (bench_shim, bench_revoke, bench_fork, bench_memory).
 *
 *   RegionInfo/Model   vs Ioctl/EventfdFionread  the model's GET_REGION_INFO / a real kernel ioctl
 *   ExportClose/Dmabuf vs ExportClose/Memfd   DMABUF export + close / memfd_create + close
 *   Revoke/Buffer/N    vs Revoke/MapFixed/N   REVOKE of a buffer with N mappings / N mmap(MAP_FIXED)
 *   TempRevoke/Device/1000 vs Revoke/MapFixed/1000  memory disable with 1000 mapped buffers
 */
#include <benchmark/benchmark.h>

#include <sys/mman.h>
#include <unistd.h>
#include <vector>

#include "bench_setup.h"

using softvfio::bench::BenchDevice;
using softvfio::bench::check;
using softvfio::bench::now;

namespace {

constexpr unsigned kBigBar = 2;          /* the nic preset's 4 GiB BAR */
constexpr size_t kMapSize = 64 << 10;    /* each mapping in the revoke benchmarks */

BENCHMARK(softvfio::bench::eventfd_fionread)->Name("Ioctl/EventfdFionread");

/* GET_REGION_INFO of the big BAR, straight into the model. */
void BM_RegionInfo_Model(benchmark::State &state)
{
	BenchDevice dev;
	vfio_region_info info{};
	for (auto _ : state) {
		info.argsz = sizeof(info);
		info.index = kBigBar;
		benchmark::DoNotOptimize(dev.kernel.ioctl(dev.fd, VFIO_DEVICE_GET_REGION_INFO, &info));
	}
}
BENCHMARK(BM_RegionInfo_Model)->Name("RegionInfo/Model");

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
