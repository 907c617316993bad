/* SPDX-License-Identifier: MIT */
/*
 * Fault-safe copies between the model and caller-supplied memory.
 *
 * The kernel reads ioctl payloads with copy_from_user(), which turns a bad
 * pointer into EFAULT. Callers of the model hand it raw pointers the same way
 * (through the shim, from any program), so the model copies through a guard
 * that catches SIGSEGV/SIGBUS on the copy itself and answers EFAULT instead of
 * crashing. A pointer into a revoked BAR mapping gives EFAULT too, as in the
 * kernel, where the fault handler's SIGBUS makes copy_from_user fail.
 *
 * The guard installs SIGSEGV and SIGBUS handlers the first time it is used;
 * faults that are not a guarded copy's go on to the handler that was there
 * before (or the default action), with that handler's mask, SA_NODEFER and
 * SA_RESETHAND applied as the kernel would have applied them.
 *
 * An interposer that owns the program's view of signal dispositions (the
 * LD_PRELOAD shim) routes the program's sigaction() for these two signals
 * through fault_guard_sigaction(): once the guard is installed, the program's
 * handler becomes the one faults are handed to, instead of replacing the
 * guard, and the program reads back its own actions.
 */
#pragma once

#include <cstddef>
#include <csignal>
#include <cstdint>
#include <string>

#include <softvfio/base/result.h>

namespace softvfio {

Result<void> copy_from_user(void *dst, const void *user_src, size_t n);
Result<void> copy_to_user(void *user_dst, const void *src, size_t n);
/* copy_from_user (`store` false) or copy_to_user of [user, user + n) as
 * far as it goes: the bytes copied. The whole range first; after a fault,
 * page by page up to the first page that cannot be copied (its bytes are
 * then someone else's to try: a copy through registers). */
size_t copy_user_prefix(unsigned char *local, uintptr_t user, size_t n, bool store);

/* Bytes at an offset from a caller's pointer. */
struct UserBytes {
	uint32_t offset;
	uint32_t length;
	const unsigned char *bytes;
};

/* If the caller's memory at `base` holds every `expect` span (compared in
 * place), write every `answer` span there: true then, false if one
 * differed (nothing written), EFAULT on a bad pointer (a fault in the
 * middle of the answer leaves what was written, as copy_to_user does).
 * One guard for all of it: replaying a remembered ioctl answer costs no
 * more than the copies. */
Result<bool> user_compare_and_write(uintptr_t base, const UserBytes *expect, size_t n_expect,
				    const UserBytes *answer, size_t n_answer);

/* Copy a NUL-terminated string of at most `max` bytes (NUL included):
 * EFAULT on a bad pointer, EINVAL when no NUL comes within `max`. */
Result<std::string> copy_string_from_user(const char *user_src, size_t max);

/* sigaction(2) as the program sees it with the guard in place. For SIGSEGV
 * and SIGBUS once the guard is installed, `act` becomes the action faults
 * that are not a guarded copy's are handed to, and `old` receives the
 * previous such action; otherwise (or before installation, atomically with
 * respect to it) the real sigaction: `next` when given (an interposer's
 * next definition, so that a sanitizer's sigaction interceptor in front of
 * the interposer does not see the call twice), else sigaction(). 0, or -1
 * with errno. */
using SigactionFn = int (*)(int, const struct sigaction *, struct sigaction *);
int fault_guard_sigaction(int sig, const struct sigaction *act, struct sigaction *old, SigactionFn next = nullptr);

/* A fault that is not a guarded copy's may still be the process's own
 * business (the session client traps every access to device registers):
 * an interceptor is asked first, before the program's handlers. Handled:
 * the context was updated, the thread resumes; Sigbus: the access must
 * raise SIGBUS (BUS_ADRERR at the fault address), delivered to the
 * program's SIGBUS action as the kernel would. Called in the handler. */
enum class FaultVerdict { NotOurs = 0, Handled = 1, Sigbus = 2 };
using FaultInterceptor = FaultVerdict (*)(int sig, siginfo_t *info, void *context);
/* Add `f` (again: nothing) and install the fault handlers now. A few
 * interceptors may be set (the session client's, the in-process model's):
 * they are asked in the order they were set, the first that does not say
 * NotOurs decides. False when there is no room for another. */
bool set_fault_interceptor(FaultInterceptor f);

/* ioctl arguments arrive as an integer that may be a pointer. */
inline void *user_ptr(uintptr_t arg) { return reinterpret_cast<void *>(arg); }

} /* namespace softvfio */

/* The interceptors' verdict on a fault (a FaultVerdict as int), for fault
 * handlers of other libraries in the process that cannot link this one:
 * the client library's guarded copies (client/safe_access.h) declare it
 * weak, so that a guarded copy from a trapped register mapping is
 * emulated rather than failed. Called in a SIGSEGV handler. */
extern "C" int softvfio_intercept_fault(int sig, siginfo_t *info, void *context);
