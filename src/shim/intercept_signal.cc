/* SPDX-License-Identifier: MIT */
/*
 * sigaction and signal for SIGSEGV and SIGBUS. The model's fault-safe copies
 * (base/user_copy.h) own the real handlers of these two signals once they
 * are installed; what the program installs becomes the handler faults that
 * are not the model's are handed to, and the program reads its own actions
 * back. A revocation SIGBUS therefore reaches the program's handler with
 * the kernel's own siginfo (BUS_ADRERR, the faulting address): the shim's
 * handler passes it on untouched.
 */
#include <csignal>
#include <dlfcn.h>

#include "base/user_copy.h"
#include "shim/real.h"
#include "shim/state.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

bool chained(int sig) { return (sig == SIGSEGV || sig == SIGBUS) && !in_model(); }

/* Set by the shim's constructor. Before it runs, the only callers are
 * runtimes that start ahead of the shim: a sanitizer installing its own
 * handlers from its initialisation, while its instrumentation is not ready
 * to run yet (ThreadSanitizer crashes in any instrumented function then,
 * which is why this file is built without it). They get the C library's
 * sigaction, found here with no instrumented code on the way. */
bool g_ready = false;

__attribute__((constructor)) void signals_ready() { g_ready = true; }

int early_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	static SigactionFn next = nullptr;
	SigactionFn f = __atomic_load_n(&next, __ATOMIC_ACQUIRE);
	if (!f) {
		f = reinterpret_cast<SigactionFn>(::dlsym(RTLD_NEXT, "sigaction"));
		if (!f) {
			errno = ENOSYS;
			return -1;
		}
		__atomic_store_n(&next, f, __ATOMIC_RELEASE);
	}
	return f(sig, act, old);
}

/* signal(2) in terms of sigaction, with the given flags. */
sighandler_t signal_via_sigaction(int sig, sighandler_t handler, int flags)
{
	struct sigaction act = {}, old = {};
	act.sa_handler = handler;
	act.sa_flags = flags;
	sigemptyset(&act.sa_mask);
	if (fault_guard_sigaction(sig, &act, &old, REAL(sigaction)) < 0)
		return SIG_ERR;
	/* Through void (*)(), the type -Wcast-function-type accepts as a
	 * generic function pointer: the union holds one or the other. */
	return (old.sa_flags & SA_SIGINFO)
		       ? reinterpret_cast<sighandler_t>(reinterpret_cast<void (*)()>(old.sa_sigaction))
		       : old.sa_handler;
}

} /* namespace */

SHIM_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (!__atomic_load_n(&g_ready, __ATOMIC_ACQUIRE))
		return early_sigaction(sig, act, old);
	if (!chained(sig))
		return REAL(sigaction)(sig, act, old);
	return fault_guard_sigaction(sig, act, old, REAL(sigaction));
}

SHIM_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	if (!chained(sig))
		return REAL(signal)(sig, handler);
	/* glibc's signal() has BSD semantics. */
	return signal_via_sigaction(sig, handler, SA_RESTART);
}

SHIM_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler)
{
	return signal(sig, handler);
}

SHIM_EXPORT sighandler_t sysv_signal(int sig, sighandler_t handler)
{
	if (!chained(sig))
		return REAL(sysv_signal)(sig, handler);
	return signal_via_sigaction(sig, handler, SA_RESETHAND | SA_NODEFER);
}
