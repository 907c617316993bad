/* SPDX-License-Identifier: MIT */
/*
 * Run under `softvfio run --device edu`: a register read through a mapping
 * of edu's BAR0, trapped by the session client and made on the session
 * kernel's model, beside a bare fault round trip in the same process.
 *
 *   Trap/Session/Read4   vs Trap/Session/FaultBare   goal: <= 1.5x (issue 14)
 *
 * The bare round trip: the same 2-byte load on a PROT_NONE page of the
 * program's own, whose SIGSEGV handler (the program's, reached through the
 * shim's fault guard as any program's is) steps over it. Plain uAPI
 * (vfio_uapi.h) for the device.
 */
#include <benchmark/benchmark.h>

#include <csignal>
#include <cstdlib>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "vfio_uapi.h"

namespace uapi = softvfio::bench::uapi;

namespace {

constexpr uint32_t kEduId = 0x010000ed;

int device()
{
	static int fd = uapi::open_device();
	return fd;
}

inline uint32_t load(const void *p)
{
	uint32_t value;
	asm volatile("movl (%%rdi), %%eax" : "=a"(value) : "D"(p) : "memory");
	return value;
}

void step_over(int, siginfo_t *, void *raw)
{
	/* movl (%rdi),%eax is 2 bytes. */
	static_cast<ucontext_t *>(raw)->uc_mcontext.gregs[REG_RIP] += 2;
}

void BM_FaultBare(benchmark::State &state)
{
	static void *page = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		uapi::die("mmap of a PROT_NONE page");
	struct sigaction action{}, old{};
	action.sa_sigaction = step_over;
	action.sa_flags = SA_SIGINFO;
	sigemptyset(&action.sa_mask);
	sigaction(SIGSEGV, &action, &old);
	for (auto _ : state)
		benchmark::DoNotOptimize(load(page));
	sigaction(SIGSEGV, &old, nullptr);
}
BENCHMARK(BM_FaultBare)->Name("Trap/Session/FaultBare");

void BM_Read4(benchmark::State &state)
{
	static const void *bar = [] {
		vfio_region_info bar0 = uapi::region(device(), VFIO_PCI_BAR0_REGION_INDEX);
		return static_cast<const void *>(uapi::map(device(), bar0.size, static_cast<off_t>(bar0.offset)));
	}();
	for (auto _ : state) {
		if (load(bar) != kEduId) {
			state.SkipWithError("the trapped read did not return edu's ID (not run with --device edu?)");
			break;
		}
	}
}
BENCHMARK(BM_Read4)->Name("Trap/Session/Read4");

/* The same register read as one pread of the region: one session call,
 * what the trap adds a fault and a decode to. */
void BM_Pread4(benchmark::State &state)
{
	static vfio_region_info bar0 = uapi::region(device(), VFIO_PCI_BAR0_REGION_INDEX);
	for (auto _ : state) {
		uint32_t value = 0;
		if (pread(device(), &value, 4, static_cast<off_t>(bar0.offset)) != 4 || value != kEduId) {
			state.SkipWithError("pread of edu's ID failed");
			break;
		}
	}
}
BENCHMARK(BM_Pread4)->Name("Trap/Session/Pread4");

} /* namespace */

BENCHMARK_MAIN();
