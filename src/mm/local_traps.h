/* SPDX-License-Identifier: MIT */
/*
 * Register traps in process: the in-process model's register VMAs
 * (Vma::registers: edu's BAR0 and the like, through the device fd or a
 * DMABUF) trap as a session process's do (docs/trap.md).
 *
 * LocalHost lays such a VMA PROT_NONE while it is live and tells this
 * table where it is, with its protection and state; a revoked one is laid
 * like any revoked mapping (the empty memfd: SIGBUS BUS_ADRERR at the
 * exact address, never emulated). The fault guard (base/user_copy.h) asks
 * the table's interceptor about every SIGSEGV that is not a guarded
 * copy's: one at an address of a live register VMA whose protection allows
 * the access is decoded and emulated (trap/emulator.h), each access made
 * through the VMA's RegisterPort in program order, and the thread resumes
 * after the instruction; everything else is the program's.
 *
 * The model's own copies from and to user memory are guarded copies, which
 * the guard turns into EFAULT before any interceptor sees the fault: the
 * guard cannot tell whether its caller holds a model lock, and a register
 * access must never be made under one. Only read, write, pread and pwrite
 * of a model file, which copy with no lock held, complete such a copy as
 * register accesses (kernel/kernel.cc, LocalRegisterCopies; the session's
 * is session/remote_process.h, RegisterCopyHost).
 */
#pragma once

#include <cstdint>

namespace softvfio::mm {

/* How a trapped access reaches the registers behind a VMA: the model's
 * access at a process address (Mm::register_access for the in-process
 * Kernel's own process). 0, or -errno (EFAULT: revoked, not decoded). */
struct RegisterPort {
	long (*access)(void *owner, uintptr_t address, unsigned width, bool write, uint64_t *value) = nullptr;
	void *owner = nullptr;

	explicit operator bool() const { return access != nullptr; }
};

namespace local_traps {

/* [start, end) is a register VMA of `host` now (replacing whatever the
 * table held there), with the program's protection `prot`, live or
 * revoked. The first one arms the fault interceptor. False when the
 * table could not grow (the range then stays plain, as laid). */
bool lay(const void *host, uintptr_t start, uintptr_t end, int prot, bool live, const RegisterPort &port) noexcept;
/* [start, end) is no register VMA any more. */
void forget(uintptr_t start, uintptr_t end) noexcept;
/* Every range of `host` (it is going away). */
void forget_host(const void *host) noexcept;

} /* namespace local_traps */

} /* namespace softvfio::mm */
