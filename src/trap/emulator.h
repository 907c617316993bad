/* SPDX-License-Identifier: MIT */
/*
 * Trap-and-emulate for register ranges mapped PROT_NONE: given the context
 * of a thread whose load or store faulted on a register range, perform the
 * instruction's accesses on the register model and resume the thread after
 * it (docs/trap.md).
 *
 * Everything here runs inside a SIGSEGV/SIGBUS handler: no allocation, no
 * locks, no stdio, no exceptions.
 */
#pragma once

#include <cstdint>
#include <csignal>
#include <ucontext.h>

#include <softvfio/base/result.h>

#include "trap/diagnostic.h"
#include "trap/register_space.h"

namespace softvfio::trap {

/*
 * Emulates the instruction at the context's RIP. `fault_address` is the
 * siginfo's si_addr; `map` says which addresses are register ranges.
 *
 * On success the context holds the state after the instruction (destination
 * registers, RFLAGS where the instruction defines them, RSI/RDI/RCX for
 * string instructions, RIP past the instruction); returning from the
 * handler resumes the thread there.
 *
 * On failure nothing was done to the context — except for string
 * instructions, whose RSI/RDI/RCX then say how far they got, as the CPU's
 * would — and `diagnostic` holds one line naming the instruction (mnemonic
 * and bytes) and the reason; the caller raises SIGBUS. Errors:
 *   EOPNOTSUPP  an instruction or form that is not emulated
 *   EFAULT      an access that straddles a register range's edge, or a
 *               decoded operand that does not contain the fault address
 *   EILSEQ      bytes that do not decode
 *   EINVAL      an operand the form cannot have (e.g. misaligned movdqa)
 */
/* A fault a trap may own: SIGSEGV for an access the page's protection
 * refused (a register VMA is laid PROT_NONE), with its context. */
inline bool is_access_fault(int sig, const siginfo_t *info, const void *context)
{
	return sig == SIGSEGV && info && info->si_code == SEGV_ACCERR && context;
}

/* Whether the faulting access wrote (the page fault's error code). */
inline bool fault_wrote(const ucontext_t &uc)
{
	return (uc.uc_mcontext.gregs[REG_ERR] & 2) != 0;
}

Result<void> emulate(ucontext_t &context, uintptr_t fault_address, const AddressMap &map,
		     Diagnostic &diagnostic);

} /* namespace softvfio::trap */
