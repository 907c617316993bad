/* SPDX-License-Identifier: MIT */
/*
 * Built without ThreadSanitizer instrumentation, like the mm table: it runs
 * in the fault handler, at the program's faulting instruction.
 */
#include "session/client/register_trap.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "base/register_pieces.h"
#include "base/user_copy.h"
#include "session/client/connection.h"
#include "session/client/handler_slot.h"
#include "session/client/mm_table.h"
#include "session/client/sys.h"
#include "trap/emulator.h"

namespace softvfio::session {

namespace {

HandlerSlot g_connection;

/* One access of the registers behind the process's register VMAs: a read
 * the model lets the mirror serve is read there, everything else goes to
 * the kernel by its address, which names the VMA and the offset in it.
 * The caller holds the table (MmTable::Guard). */
bool register_access(Connection &c, MmTable &table, uint64_t address, unsigned width, bool write,
		     uint64_t &value) noexcept
{
	if (!write && table.mirror_read(static_cast<uintptr_t>(address), width, value))
		return true;
	int64_t extra[2] = {0, 0};
	long r = c.call(wire::Op::RegisterAccess,
			{static_cast<int64_t>(address), static_cast<int64_t>(width), write ? 1 : 0,
			 static_cast<int64_t>(value)},
			extra, true);
	if (r != 0)
		return false;
	value = static_cast<uint64_t>(extra[0]);
	return true;
}

/* The same for a trapped instruction. The caller holds the table
 * throughout. */
class SessionRegisters final : public trap::ForwardingRegisterSpace
{
public:
	SessionRegisters(Connection &c, MmTable &table) : c_(c), table_(table) {}

private:
	bool forward(uint64_t address, unsigned width, bool write, uint64_t &value) override
	{
		return register_access(c_, table_, address, width, write, value);
	}

	Connection &c_;
	MmTable &table_;
};

/* Which addresses are registers: the table's VMAs of registers, with the
 * access the faulting instruction needs allowed by their protection. The
 * caller holds the table. */
class SessionAddressMap final : public trap::AddressMap
{
public:
	SessionAddressMap(MmTable &table, SessionRegisters &space) : table_(table), space_(space) {}

	trap::Region resolve(uintptr_t address, size_t length, trap::RegisterTarget &target) const override
	{
		if (!table_.may_contain(address, length))
			return trap::Region::memory;
		const MmTable::Vma *v = table_.vma_holding(address, length);
		if (!v) {
			/* Partly in a register VMA: not something to guess at. */
			return touches_registers(address, length) ? trap::Region::mixed : trap::Region::memory;
		}
		if (!v->registers)
			return trap::Region::memory;
		target.space = &space_;
		target.offset = address;
		return trap::Region::registers;
	}

private:
	bool touches_registers(uintptr_t address, size_t length) const
	{
		for (size_t i = 0; i < table_.vma_count(); i++) {
			const MmTable::Vma &v = table_.vma(i);
			if (v.registers && v.start < address + length && address < v.end)
				return true;
		}
		return false;
	}

	MmTable &table_;
	SessionRegisters &space_;
};

/* What a SIGSEGV at `addr` is to the register traps: a register VMA's
 * whose protection allows the access (a write needs PROT_WRITE, anything
 * PROT_READ: x86 has no write-only pages; the page fault error code tells
 * a write) is emulated, or raises SIGBUS if the VMA was revoked between
 * the fault and now (its live layout faulted, its revoked one would have
 * raised SIGBUS); anything else is not ours. The caller holds the table. */
FaultVerdict classify(MmTable &table, uintptr_t addr, const ucontext_t &uc)
{
	const MmTable::Vma *v = table.vma_holding(addr, 1);
	if (!v || !v->registers)
		return FaultVerdict::NotOurs;
	const bool write = trap::fault_wrote(uc);
	if (!(v->prot & PROT_READ) || (write && !(v->prot & PROT_WRITE)))
		return FaultVerdict::NotOurs;
	return v->live ? FaultVerdict::Handled : FaultVerdict::Sigbus;
}

/* The table stays held from the classification to the instruction's
 * last access: a revocation (applied under it, and acknowledged before
 * the revoking call returns) either comes first, and the fault raises
 * SIGBUS, or waits for the instruction, as it waits for a CPU's access
 * in flight. That is what lets a read be served from the mirror, which
 * the kernel does not see. */
FaultVerdict on_fault(int sig, siginfo_t *info, void *context)
{
	if (!trap::is_access_fault(sig, info, context))
		return FaultVerdict::NotOurs;
	HandlerSlot::Use use(g_connection);
	Connection *c = use.connection;
	if (!c)
		return FaultVerdict::NotOurs;
	auto &uc = *static_cast<ucontext_t *>(context);
	const auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
	MmTable &table = c->mm();
	if (!table.may_contain(addr, 1))
		return FaultVerdict::NotOurs;
	MmTable::Guard guard(table);
	if (FaultVerdict v = classify(table, addr, uc); v != FaultVerdict::Handled)
		return v;
	SessionRegisters space(*c, table);
	SessionAddressMap map(table, space);
	trap::Diagnostic diagnostic;
	if (auto r = trap::emulate(uc, addr, map, diagnostic); r)
		return FaultVerdict::Handled;
	/* Revoked under the instruction: SIGBUS as the CPU's fault would be;
	 * an instruction that cannot be emulated says which. */
	if (!space.failed())
		diagnostic.write_line(STDERR_FILENO);
	return FaultVerdict::Sigbus;
}

/* One piece of a copy through registers, with the table held from the
 * VMA's look-up to the access's end, as for a trapped instruction (a
 * revocation comes first or waits for it). */
bool register_piece(Connection &c, uintptr_t addr, unsigned width, unsigned char *local, bool store) noexcept
{
	MmTable &table = c.mm();
	MmTable::Guard guard(table);
	const MmTable::Vma *v = table.vma_holding(addr, width);
	if (!v || !v->registers || !v->live || !(v->prot & PROT_READ) || (store && !(v->prot & PROT_WRITE)))
		return false;
	/* Little-endian, as the CPU's access of these bytes would be. */
	uint64_t value = 0;
	if (store)
		std::memcpy(&value, local, width);
	if (!register_access(c, table, addr, width, store, value))
		return false;
	if (!store)
		std::memcpy(local, &value, width);
	return true;
}

} /* namespace */

bool touches_registers(Connection &connection, uintptr_t user, size_t n) noexcept
{
	MmTable &table = connection.mm();
	if (!n || !table.may_contain(user, n))
		return false;
	MmTable::Guard guard(table);
	return table.touches_live_registers(user, n);
}

size_t register_reach(Connection &connection, uintptr_t user, size_t n, bool store) noexcept
{
	MmTable &table = connection.mm();
	if (!n || !table.may_contain(user, n))
		return n;
	MmTable::Guard guard(table);
	return table.register_barrier(user, n, store ? PROT_READ | PROT_WRITE : PROT_READ) - user;
}

size_t copy_through_registers(Connection &connection, uintptr_t user, unsigned char *local, size_t n,
			      bool store) noexcept
{
	MmTable &table = connection.mm();
	n = range_end(user, n) - user;
	size_t done = 0;
	while (done < n) {
		const uintptr_t at = user + done, end = user + n;
		/* The run ahead: registers to the VMA's end, or plain memory
		 * to the next register VMA. */
		bool registers;
		uintptr_t run_end;
		{
			MmTable::Guard guard(table);
			const MmTable::Vma *v = table.vma_holding(at, 1);
			registers = v && v->registers;
			run_end = registers ? std::min(end, v->end) : table.next_registers(at, end);
		}
		if (!registers) {
			if (run_end <= at)
				break;   /* not a table any copy could follow */
			const size_t len = run_end - at;
			/* The fault guard's copies: a fault in them is
			 * EFAULT, never a signal, and is not emulated. */
			const size_t got = copy_user_prefix(local + done, at, len, store);
			done += got;
			if (got < len)
				break;
			continue;
		}
		while (done < run_end - user) {
			const uintptr_t a = user + done;
			const unsigned width = register_piece_width(a, run_end - a);
			if (!register_piece(connection, a, width, local + done, store))
				return done;
			done += width;
		}
	}
	return done;
}

void disarm_register_traps(Connection &connection) noexcept
{
	g_connection.clear(&connection);
}

void arm_register_traps(Connection &connection) noexcept
{
	g_connection.set(&connection);
	try {
		set_fault_interceptor(on_fault);
	} catch (...) {
		/* std::call_once could not run: faults stay the program's. */
	}
}

} /* namespace softvfio::session */
