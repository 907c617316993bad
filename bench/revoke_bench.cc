/* SPDX-License-Identifier: MIT */
/*
 * Run under `softvfio run`: revocation across processes. A buffer mapped
 * in K other processes of the session (children of this program, reused
 * throughout, child_pool.h) is revoked; the call returns only once every
 * one of them has applied the change, so its wall time is the figure.
 *
 *   Revoke/Processes/K    vs Signal/RoundTrip/K  DMA_BUF_REVOKE of a fresh export mapped in K processes
 *   MemoryOff/Processes/K vs Signal/RoundTrip/K  PCI_COMMAND.MEMORY cleared, one buffer mapped in K processes
 *   Signal/RoundTripRemap/K                      the baseline, the handler remapping as the client's does
 *   Signal/Broadcast/K                           the K signals sent at once, then K acknowledgements awaited
 *
 * and, to tell the fixed cost of a call from the cost per process: the
 * same with K = 0 (the buffer mapped nowhere), and Call/ConfigRead, a
 * pread of PCI_COMMAND: one plain round trip to the session kernel.
 *
 * The baseline is the least the kernel's job can cost: K signal round
 * trips, each a SIGUSR1 to a child whose handler acknowledges through a
 * futex word in shared memory, one after the other as the session kernel
 * delivers its work. Manual time around the measured call alone; the
 * fixture (export, handing the fd to the children, their mmap and touch,
 * re-enabling memory) is rebuilt untimed.
 */
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <unistd.h>

#include "baseline.h"
#include "child_pool.h"
#include "vfio_uapi.h"

namespace uapi = softvfio::bench::uapi;
using softvfio::bench::ChildPool;
using softvfio::bench::FastestIteration;
using softvfio::bench::now;

namespace {

constexpr size_t kMapSize = 64 << 10;

int device()
{
	static int fd = uapi::open_device();
	return fd;
}

/* Made in main (after the benchmark library parsed its flags, so --help
 * forks nothing) and torn down there, where the children's exit statuses
 * are checked. */
std::unique_ptr<ChildPool> g_pool;

ChildPool &pool(unsigned k)
{
	g_pool->ensure(k);
	return *g_pool;
}

void process_counts(benchmark::internal::Benchmark *b)
{
	b->Arg(1)->Arg(4)->Arg(16)->Unit(benchmark::kMicrosecond)->UseManualTime();
}

/* The subjects also with K = 0: the call's own cost. */
void subject_counts(benchmark::internal::Benchmark *b)
{
	b->Arg(0);
	process_counts(b);
}

/* Every child must see SIGBUS after the revocation (and none after an
 * enable): a figure for a revoke that did not reach the other processes
 * would be wrong. */
bool all_fault(ChildPool &children, unsigned k, bool expected)
{
	for (unsigned i = 0; i < k; i++)
		if (children.faults(i) != expected)
			return false;
	return true;
}

/* One revoke on a fresh export mapped by children [0, k): its wall time.
 * With `check`, whether every child's mapping faults afterwards. */
double revoke_once(ChildPool &children, unsigned k, bool check, bool *faulted = nullptr)
{
	const int dev = device();
	int buf = uapi::export_bar(dev, uapi::kBigBar, 0, kMapSize);
	children.map(k, buf);
	double t0 = now();
	uapi::revoke(dev, buf);
	double t = now() - t0;
	if (check)
		*faulted = all_fault(children, k, true);
	children.unmap(k);
	close(buf);
	return t;
}

/* A checked revoke first, untimed: it also warms what the first call of a
 * kind warms (the children's templates of the buffer, the kernel's paths),
 * which Google Benchmark 1.7 has no warm-up time for. */
void BM_Revoke_Processes(benchmark::State &state)
{
	const unsigned k = static_cast<unsigned>(state.range(0));
	ChildPool &children = pool(k);
	bool faulted = false;
	revoke_once(children, k, true, &faulted);
	if (!faulted)
		return state.SkipWithError("a child's mapping did not fault after REVOKE");
	FastestIteration timer(state);
	for (auto _ : state)
		timer.record(revoke_once(children, k, false));
}
BENCHMARK(BM_Revoke_Processes)->Name("Revoke/Processes")->Apply(subject_counts);

/* Repeatable without a new export: memory off makes the buffer's
 * mappings fault in every process, memory on (untimed) brings them back
 * and the children touch them again, so each is populated when it is
 * revoked, as in the REVOKE benchmark (zapping populated page tables is a
 * good part of the cost). The first off/on, untimed, is the check and the
 * warm-up. */
void BM_MemoryOff_Processes(benchmark::State &state)
{
	const unsigned k = static_cast<unsigned>(state.range(0));
	ChildPool &children = pool(k);
	const int dev = device();
	uapi::CommandRegister command(dev);
	int buf = uapi::export_bar(dev, uapi::kBigBar, 0, kMapSize);
	children.map(k, buf);
	command.set_memory(false);
	bool off_faults = all_fault(children, k, true);
	command.set_memory(true);
	if (!off_faults || !all_fault(children, k, false)) {
		state.SkipWithError("memory off/on did not reach every child's mapping");
	} else {
		children.touch(k);
		FastestIteration timer(state);
		for (auto _ : state) {
			double t0 = now();
			command.set_memory(false);
			timer.record(now() - t0);
			command.set_memory(true);
			children.touch(k);
		}
	}
	children.unmap(k);
	close(buf);
}
BENCHMARK(BM_MemoryOff_Processes)->Name("MemoryOff/Processes")->Apply(subject_counts);

/* A session call that does nothing but read two bytes of config space:
 * the mailbox round trip every revoke pays once, whatever K. */
void BM_Call_ConfigRead(benchmark::State &state)
{
	const int dev = device();
	const off_t command = static_cast<off_t>(uapi::region(dev, VFIO_PCI_CONFIG_REGION_INDEX).offset + 4);
	uint16_t value = 0;
	if (pread(dev, &value, sizeof(value), command) != sizeof(value))
		return state.SkipWithError("config read failed");
	FastestIteration timer(state);
	for (auto _ : state) {
		double t0 = now();
		if (pread(dev, &value, sizeof(value), command) != sizeof(value)) {
			state.SkipWithError("config read failed");
			break;
		}
		timer.record(now() - t0);
	}
}
BENCHMARK(BM_Call_ConfigRead)->Name("Call/ConfigRead")->Unit(benchmark::kMicrosecond)->UseManualTime();

void BM_Signal_RoundTrip(benchmark::State &state)
{
	const unsigned k = static_cast<unsigned>(state.range(0));
	ChildPool &children = pool(k);
	/* Untimed, as the subjects' first call is. */
	for (unsigned i = 0; i < k; i++)
		children.ping(i);
	FastestIteration timer(state);
	for (auto _ : state) {
		double t0 = now();
		for (unsigned i = 0; i < k; i++)
			children.ping(i);
		timer.record(now() - t0);
	}
}
BENCHMARK(BM_Signal_RoundTrip)->Name("Signal/RoundTrip")->Apply(process_counts);

/* The baseline with the handler doing what the session client's does to
 * a revoked mapping (child_pool.h): how much of the cost per process is
 * remapping memory rather than the session's own work. A figure. */
void BM_Signal_RoundTripRemap(benchmark::State &state)
{
	const unsigned k = static_cast<unsigned>(state.range(0));
	ChildPool &children = pool(k);
	for (unsigned i = 0; i < k; i++)
		children.ping(i, true);
	FastestIteration timer(state);
	for (auto _ : state) {
		double t0 = now();
		for (unsigned i = 0; i < k; i++)
			children.ping(i, true);
		timer.record(now() - t0);
	}
}
BENCHMARK(BM_Signal_RoundTripRemap)->Name("Signal/RoundTripRemap")->Apply(process_counts);

/* What delivering to every process at once, rather than one after the
 * other, would cost: a figure beside the baseline, not a goal. */
void BM_Signal_Broadcast(benchmark::State &state)
{
	const unsigned k = static_cast<unsigned>(state.range(0));
	ChildPool &children = pool(k);
	children.ping_all(k);
	FastestIteration timer(state);
	for (auto _ : state) {
		double t0 = now();
		children.ping_all(k);
		timer.record(now() - t0);
	}
}
BENCHMARK(BM_Signal_Broadcast)->Name("Signal/Broadcast")->Apply(process_counts);

} /* namespace */

int main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	g_pool = std::make_unique<ChildPool>(kMapSize);
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	g_pool.reset();
	return 0;
}
