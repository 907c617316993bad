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

namespace softvfio::session {

class Connection;

/* Route register faults of `connection`'s process to the model (once per
 * process; the connection lives as long as the process). */
void arm_register_traps(Connection &connection) noexcept;
/* The trap no longer looks at `connection` once this returns (it waits
 * for a fault being emulated through it). */
void disarm_register_traps(Connection &connection) noexcept;

} /* namespace softvfio::session */
