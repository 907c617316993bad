/* SPDX-License-Identifier: MIT */
/*
 * Fault-tolerant copies: touch memory that may be revoked (a BAR or DMABUF
 * window whose device lost memory decode, went to D3, was reset or closed,
 * or whose buffer was revoked) and get an error instead of a crash.
 *
 * The first call installs SIGBUS and SIGSEGV handlers for the process
 * (sigaction SA_SIGINFO); a fault during a guarded copy on the faulting
 * thread jumps back (siglongjmp) and the copy reports it; any other fault
 * is handed to the handler that was installed before, or gets the default
 * action. Thread-safe: the guard is per thread. The copy uses naturally
 * aligned volatile accesses of up to 8 bytes (no memcpy tricks), so it is
 * suitable for MMIO-like memory, and it is not instrumented by the
 * sanitizers.
 *
 * A program that installs its own SIGBUS/SIGSEGV handlers after the first
 * guarded copy replaces the guard: install yours first, they are chained.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include <softvfio/client/result.h>

namespace softvfio::client {

/* What a failed guarded copy saw. */
struct Fault {
	int signo = 0;          /* SIGBUS or SIGSEGV */
	int code = 0;           /* si_code, e.g. BUS_ADRERR */
	uintptr_t addr = 0;     /* si_addr */
};

/*
 * Copy `n` bytes from `src` to `dst`, either of which may fault.
 * Errors: EIO (SIGBUS: the memory is revoked or gone), EFAULT (SIGSEGV: not
 * mapped or not accessible this way). `fault`, if given, receives the
 * signal's details (cleared on success). Bytes before the faulting access
 * may have been copied.
 */
Result<void> safe_copy(void *dst, const void *src, size_t n, Fault *fault = nullptr);

} /* namespace softvfio::client */
