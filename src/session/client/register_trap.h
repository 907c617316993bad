/* SPDX-License-Identifier: MIT */
/*
 * Register traps: every load and store through a mapping of device
 * registers reaches the device model in the session kernel.
 *
 * The kernel marks a VMA of registers (wire::kRegisters); the mm table lays
 * it PROT_NONE while it is live, so every access faults with SIGSEGV
 * (SEGV_ACCERR). The fault guard (base/user_copy.h) asks this interceptor
 * first: for an address in a live register VMA that the VMA's protection
 * allows, the faulting instruction is decoded and emulated (trap/emulator.h),
 * each of its accesses made by a RegisterAccess call, in program order, and
 * the thread resumes after the instruction. A revoked register VMA is laid
 * like any revoked mapping (SIGBUS at the first access, never emulated); a
 * revocation that lands during the instruction makes the kernel refuse the
 * access, and the thread gets SIGBUS there. An instruction the emulator
 * cannot perform exactly gets SIGBUS too, after a one-line diagnostic on
 * stderr naming it. Everything else goes to the program's own handlers
 * with the kernel's siginfo.
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace softvfio::session {

class Connection;

/* Route register faults of `connection`'s process to the model (once per
 * process; the connection lives as long as the process). */
void arm_register_traps(Connection &connection) noexcept;
/* The trap no longer looks at `connection` once this returns (it waits
 * for a fault being emulated through it). */
void disarm_register_traps(Connection &connection) noexcept;

/* --- a register mapping as a system call's buffer ---
 *
 * What the host kernel's copy_to_user/copy_from_user would do if a
 * register mapping were real, for a caller that makes the call itself
 * into memory of its own (the shim, for a file the model does not own).
 * Each function takes the mm table itself; none raises a signal. */

/* Does [user, user + n) overlap a live register VMA of `connection`'s
 * process? */
bool touches_registers(Connection &connection, uintptr_t user, size_t n) noexcept;
/* How many bytes from `user` (at most n) come before the first register
 * VMA that cannot take the copy's accesses as the table stands now
 * (revoked, or its protection lacks PROT_READ, or PROT_WRITE for a
 * `store`): a copy is bound to stop there. Plain memory is not looked
 * at. */
size_t register_reach(Connection &connection, uintptr_t user, size_t n, bool store) noexcept;
/* Copy n bytes between `local` and the process's memory at `user`, low to
 * high: into it (`store`) or out of it. Plain memory is copied with the
 * fault guard's copies; the bytes of a live register VMA whose protection
 * allows the access are register accesses, naturally aligned pieces of up
 * to 8 bytes (base/register_pieces.h), each made as a trapped
 * instruction's access is (the mirror for a read it serves, else one
 * RegisterAccess call) with the VMA looked up afresh. Returns the bytes
 * copied: n, or those before the first that could not be (unmapped,
 * revoked, too little protection, the access refused). */
size_t copy_through_registers(Connection &connection, uintptr_t user, unsigned char *local, size_t n,
			      bool store) noexcept;

} /* namespace softvfio::session */
