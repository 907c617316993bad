/* SPDX-License-Identifier: MIT */
/*
 * What the client's safety costs, in-process (model backend, series-v4,
 * nic): a guarded 4-byte read and Mapping::accessible() for both window
 * kinds, against a plain volatile read of the same window measured in the
 * same run (the baseline; compare ratios, not absolute times).
 */
#include <benchmark/benchmark.h>

#include <softvfio/client/client.h>
#include <softvfio/client/model_backend.h>
#include <softvfio/device_description.h>

namespace {

using namespace softvfio::client;

struct Setup {
	Setup()
	{
		backend = ModelBackend::create();
		auto bdf = backend->kernel().add_device(*softvfio::preset("nic"));
		dev.emplace(std::move(*Device::open(backend, *bdf)));
		bar.emplace(std::move(*dev->map_bar(0, 0, 4096)));
		wc.emplace(std::move(*dev->map_bar_wc(2, 0, 2 << 20)));
	}
	std::shared_ptr<ModelBackend> backend;
	std::optional<Device> dev;
	std::optional<Mapping> bar;
	std::optional<Mapping> wc;
};

Setup &setup()
{
	static Setup s;
	return s;
}

void BM_BaselineVolatileRead(benchmark::State &state)
{
	auto *p = static_cast<volatile uint32_t *>(setup().bar->data());
	for (auto _ : state)
		benchmark::DoNotOptimize(*p);
}
BENCHMARK(BM_BaselineVolatileRead);

void BM_GuardedRead(benchmark::State &state)
{
	Mapping &m = *setup().bar;
	for (auto _ : state)
		benchmark::DoNotOptimize(m.read<uint32_t>(0));
}
BENCHMARK(BM_GuardedRead);

void BM_AccessibleDeviceFdWindow(benchmark::State &state)
{
	Mapping &m = *setup().bar;
	for (auto _ : state)
		benchmark::DoNotOptimize(m.accessible());
}
BENCHMARK(BM_AccessibleDeviceFdWindow);

void BM_AccessibleDmaBufWindow(benchmark::State &state)
{
	Mapping &m = *setup().wc;
	for (auto _ : state)
		benchmark::DoNotOptimize(m.accessible());
}
BENCHMARK(BM_AccessibleDmaBufWindow);

} /* namespace */

BENCHMARK_MAIN();
