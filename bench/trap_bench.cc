/* SPDX-License-Identifier: MIT */
/*
 * The trap-and-emulate core's cost (issue 14, docs/trap.md), in-process,
 * no session: a 4-byte register read through a PROT_NONE page, emulated in
 * the SIGSEGV handler, against the bare fault round trip it is built on (a
 * handler that only steps over the instruction), measured in the same run.
 *
 *   Trap/Read4/Emulated   vs Trap/Fault/Bare       goal: <= 1.5x
 *   Trap/Ratio            both, interleaved in rounds: the ratio of the
 *                         best round of each, steadier on a shared machine
 */
#include <benchmark/benchmark.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sys/mman.h>
#include <unistd.h>

#include "trap/emulator.h"

namespace {

using softvfio::trap::AddressMap;
using softvfio::trap::Diagnostic;
using softvfio::trap::Region;
using softvfio::trap::RegisterSpace;
using softvfio::trap::RegisterTarget;

constexpr size_t kPageSize = 4096;

/* The cheapest model there is: what is measured is the trap. */
class ConstantRegisters : public RegisterSpace
{
public:
	uint64_t read(uint64_t, unsigned) override { return 0x010000ed; }
	void write(uint64_t, unsigned, uint64_t) override {}
};

class OnePage : public AddressMap
{
public:
	Region resolve(uintptr_t address, size_t length, RegisterTarget &target) const override
	{
		if (address + length <= base || address >= base + kPageSize)
			return Region::memory;
		if (address < base || address + length > base + kPageSize)
			return Region::mixed;
		target = {space, address - base};
		return Region::registers;
	}

	uintptr_t base = 0;
	RegisterSpace *space = nullptr;
};

ConstantRegisters registers;
OnePage map;
Diagnostic diagnostic;

void step_over(int, siginfo_t *, void *raw)
{
	/* movl (%rdi),%eax is 2 bytes: the bare round trip knows its length. */
	static_cast<ucontext_t *>(raw)->uc_mcontext.gregs[REG_RIP] += 2;
}

void emulate_read(int, siginfo_t *info, void *raw)
{
	auto address = reinterpret_cast<uintptr_t>(info->si_addr);
	if (!softvfio::trap::emulate(*static_cast<ucontext_t *>(raw), address, map, diagnostic)) {
		write(STDERR_FILENO, diagnostic.text(), diagnostic.size());
		_exit(1);
	}
}

void *trapped_page()
{
	static void *page = [] {
		void *p = mmap(nullptr, kPageSize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			abort();
		map.base = reinterpret_cast<uintptr_t>(p);
		map.space = &registers;
		return p;
	}();
	return page;
}

void install(void (*handler)(int, siginfo_t *, void *))
{
	struct sigaction action{};
	action.sa_sigaction = handler;
	action.sa_flags = SA_SIGINFO;
	sigemptyset(&action.sa_mask);
	sigaction(SIGSEGV, &action, nullptr);
}

inline uint32_t load(void *page)
{
	uint32_t value;
	asm volatile("movl (%%rdi), %%eax" : "=a"(value) : "D"(page) : "memory");
	return value;
}

void BM_FaultBare(benchmark::State &state)
{
	void *page = trapped_page();
	install(step_over);
	for (auto _ : state)
		benchmark::DoNotOptimize(load(page));
	signal(SIGSEGV, SIG_DFL);
}
BENCHMARK(BM_FaultBare)->Name("Trap/Fault/Bare");

void BM_Read4Emulated(benchmark::State &state)
{
	void *page = trapped_page();
	install(emulate_read);
	for (auto _ : state) {
		uint32_t value = load(page);
		if (value != 0x010000ed) {
			state.SkipWithError("emulated read returned the wrong value");
			break;
		}
	}
	signal(SIGSEGV, SIG_DFL);
}
BENCHMARK(BM_Read4Emulated)->Name("Trap/Read4/Emulated");

double nanoseconds_per_load(void *page, unsigned count)
{
	timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (unsigned i = 0; i < count; i++)
		benchmark::DoNotOptimize(load(page));
	clock_gettime(CLOCK_MONOTONIC, &end);
	return (static_cast<double>(end.tv_sec - start.tv_sec) * 1e9 + static_cast<double>(end.tv_nsec - start.tv_nsec)) /
	       count;
}

/* Alternates rounds of each kind so that a busy moment of the machine hits
 * both; the best round of each stands for its cost. */
void BM_Ratio(benchmark::State &state)
{
	void *page = trapped_page();
	constexpr unsigned kPerRound = 2000;
	double best_bare = 1e18, best_emulated = 1e18;
	for (auto _ : state) {
		install(step_over);
		best_bare = std::min(best_bare, nanoseconds_per_load(page, kPerRound));
		install(emulate_read);
		best_emulated = std::min(best_emulated, nanoseconds_per_load(page, kPerRound));
	}
	signal(SIGSEGV, SIG_DFL);
	state.counters["bare_ns"] = best_bare;
	state.counters["emulated_ns"] = best_emulated;
	state.counters["ratio"] = best_emulated / best_bare;
}
BENCHMARK(BM_Ratio)->Name("Trap/Ratio")->Iterations(50)->Unit(benchmark::kMillisecond);

} /* namespace */

BENCHMARK_MAIN();
