/* SPDX-License-Identifier: MIT */
/*
 * Built without ThreadSanitizer instrumentation, like the session client's
 * register traps: the lookups run in the fault handler, at the program's
 * faulting instruction.
 */
#include "mm/local_traps.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <new>
#include <sched.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include <vector>

#include "base/user_copy.h"
#include "trap/emulator.h"

namespace softvfio::mm::local_traps {

namespace {

struct Range {
	uintptr_t start, end;
	int prot;
	bool live;
	RegisterPort port;
	const void *host;
};

/* The table: a few ranges, changed by LocalHost with the Mm's locks held
 * and read by the fault handler. A spin lock, held for a scan or a vector
 * update only: the fault handler never holds it while it calls the model
 * (whose locks the table's writers hold), and a thread never faults while
 * it holds it (a SIGSEGV is the faulting instruction's, and no instruction
 * in here touches a register mapping). */
std::atomic<bool> g_lock{false};
std::vector<Range> *g_ranges = nullptr; /* never freed: faults may come at exit */

class Locked
{
public:
	Locked()
	{
		while (g_lock.exchange(true, std::memory_order_acquire))
			sched_yield();
	}
	~Locked() { g_lock.store(false, std::memory_order_release); }
	Locked(const Locked &) = delete;
	Locked &operator=(const Locked &) = delete;
};

/* Cut [start, end) out of the table (g_lock held); false if the vector
 * could not grow for a range cut in two. */
bool cut_locked(uintptr_t start, uintptr_t end) noexcept
{
	if (!g_ranges)
		return true;
	std::vector<Range> &v = *g_ranges;
	for (size_t i = 0; i < v.size();) {
		Range &r = v[i];
		if (r.end <= start || end <= r.start) {
			i++;
			continue;
		}
		if (r.start < start && end < r.end) {
			Range tail = r;
			tail.start = end;
			r.end = start;
			try {
				v.push_back(tail);
			} catch (const std::bad_alloc &) {
				return false;
			}
			return true;
		}
		if (r.start < start) {
			r.end = start;
			i++;
		} else if (end < r.end) {
			r.start = end;
			i++;
		} else {
			v[i] = v.back();
			v.pop_back();
		}
	}
	return true;
}

/* The range holding [address, address + length) whole, copied out; or
 * whether one touches it at all. */
enum class Hit { none, whole, partial };
Hit lookup(uintptr_t address, size_t length, Range &out) noexcept
{
	Locked lock;
	if (!g_ranges)
		return Hit::none;
	Hit hit = Hit::none;
	for (const Range &r : *g_ranges) {
		if (r.end <= address || address + length <= r.start)
			continue;
		if (r.start <= address && address + length <= r.end) {
			out = r;
			return Hit::whole;
		}
		hit = Hit::partial;
	}
	return hit;
}

/* The registers behind the table's ranges: each access goes to the port
 * of the range holding it, by its address. */
class LocalRegisters final : public trap::ForwardingRegisterSpace
{
private:
	bool forward(uint64_t address, unsigned width, bool write, uint64_t &value) override
	{
		Range r;
		return lookup(address, width, r) == Hit::whole && r.port &&
		       r.port.access(r.port.owner, address, width, write, &value) == 0;
	}
};

class LocalAddressMap final : public trap::AddressMap
{
public:
	explicit LocalAddressMap(LocalRegisters &space) : space_(space) {}

	trap::Region resolve(uintptr_t address, size_t length, trap::RegisterTarget &target) const override
	{
		Range r;
		switch (lookup(address, length, r)) {
		case Hit::none:
			return trap::Region::memory;
		case Hit::partial:
			return trap::Region::mixed;
		case Hit::whole:
			break;
		}
		target.space = &space_;
		target.offset = address;
		return trap::Region::registers;
	}

private:
	LocalRegisters &space_;
};

/* A SIGSEGV (SEGV_ACCERR) at an address of a live register VMA whose
 * protection allows the access (a write needs PROT_WRITE, anything
 * PROT_READ; the page fault error code tells a write): emulated. Revoked
 * between the fault and now: SIGBUS, as its revoked layout would have
 * raised. Anything else is not ours. */
FaultVerdict on_fault(int sig, siginfo_t *info, void *context)
{
	if (!trap::is_access_fault(sig, info, context))
		return FaultVerdict::NotOurs;
	auto &uc = *static_cast<ucontext_t *>(context);
	const auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
	Range r;
	if (lookup(addr, 1, r) != Hit::whole)
		return FaultVerdict::NotOurs;
	const bool write = trap::fault_wrote(uc);
	if (!(r.prot & PROT_READ) || (write && !(r.prot & PROT_WRITE)))
		return FaultVerdict::NotOurs;
	if (!r.live)
		return FaultVerdict::Sigbus;
	LocalRegisters space;
	LocalAddressMap map(space);
	trap::Diagnostic diagnostic;
	if (trap::emulate(uc, addr, map, diagnostic))
		return FaultVerdict::Handled;
	/* Revoked under the instruction: SIGBUS as the CPU's fault would be;
	 * an instruction that cannot be emulated says which. */
	if (!space.failed())
		diagnostic.write_line(STDERR_FILENO);
	return FaultVerdict::Sigbus;
}

std::atomic<bool> g_armed{false};

} /* namespace */

bool lay(const void *host, uintptr_t start, uintptr_t end, int prot, bool live, const RegisterPort &port) noexcept
{
	if (!g_armed.load(std::memory_order_acquire)) {
		try {
			if (!set_fault_interceptor(on_fault))
				return false;
		} catch (...) {
			return false;
		}
		g_armed.store(true, std::memory_order_release);
	}
	Locked lock;
	try {
		if (!g_ranges)
			g_ranges = new std::vector<Range>();
		if (!cut_locked(start, end))
			return false;
		g_ranges->push_back(Range{start, end, prot, live, port, host});
	} catch (const std::bad_alloc &) {
		return false;
	}
	return true;
}

void forget(uintptr_t start, uintptr_t end) noexcept
{
	Locked lock;
	/* Cutting a range in two needs room for one more: when there is none
	 * drop the whole range (an unmapped range must not stay registers). */
	if (!cut_locked(start, end) && g_ranges)
		std::erase_if(*g_ranges, [&](const Range &r) { return r.start < end && start < r.end; });
}

void forget_host(const void *host) noexcept
{
	Locked lock;
	if (g_ranges)
		std::erase_if(*g_ranges, [&](const Range &r) { return r.host == host; });
}

} /* namespace softvfio::mm::local_traps */
