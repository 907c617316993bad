/* SPDX-License-Identifier: MIT */
/*
 * The session signal (session/client/connection.h) belongs to the shim:
 * other processes' revocations reach this one with it. The program must
 * neither replace its handler nor keep it from arriving:
 *  - sigaction/signal for it read and set the program's own action, which
 *    the shim's handler passes every delivery that is not the session
 *    kernel's to, as if the shim were not there;
 *  - the masks the program sets (sigprocmask, pthread_sigmask, the
 *    temporary masks of sigsuspend, ppoll, pselect, epoll_pwait) and the
 *    signals a signalfd takes never include it.
 * SIGSEGV and SIGBUS belong to the fault-safe copies once they are used
 * (base/user_copy.h): the program's handlers get every fault that is not
 * theirs, with the kernel's own siginfo. Every other signal goes to the C
 * library untouched.
 *
 * A sanitizer runtime preloaded ahead of the shim calls sigaction from its
 * own initialisation, before the shim's constructors have run and, for
 * ThreadSanitizer, before any instrumented code may run: those calls go to
 * the C library found here with no instrumented code on the way (this
 * file is built without ThreadSanitizer).
 */
#include <csignal>
#include <dlfcn.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>

#include "base/user_copy.h"
#include "session/client/connection.h"
#include "shim/real.h"
#include "shim/state.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

using SigactionFn = int (*)(int, const struct sigaction *, struct sigaction *);

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

/* The session's signal, once the handler is installed (0 before). */
int session_signal() { return session::work_signal(); }

/* `set` without the session signal, in `copy`; null stays null. */
const sigset_t *without_session_signal(const sigset_t *set, sigset_t &copy)
{
	int sig = session_signal();
	if (!set || !sig || !sigismember(set, sig))
		return set;
	copy = *set;
	sigdelset(&copy, sig);
	return &copy;
}

int program_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (in_model())
		return REAL(sigaction)(sig, act, old);
	/* No handler blocks the session signal while it runs: one that jumps
	 * out (siglongjmp without the saved mask, as sanitizer wrappers that
	 * block every signal make likely) would leave it blocked for good. */
	struct sigaction copy;
	if (act && session_signal() && sigismember(&act->sa_mask, session_signal())) {
		copy = *act;
		sigdelset(&copy.sa_mask, session_signal());
		act = &copy;
	}
	if (sig != 0 && sig == session_signal())
		return session::work_signal_sigaction(act, old);
	/* The fault-safe copies (the memo reads the program's ioctl
	 * arguments) own SIGSEGV and SIGBUS once they are used; the
	 * program's handlers get every fault that is not theirs. */
	if (sig == SIGSEGV || sig == SIGBUS)
		return fault_guard_sigaction(sig, act, old, REAL(sigaction));
	return REAL(sigaction)(sig, act, old);
}

/* signal(2) in terms of sigaction, with the given flags. */
sighandler_t signal_via_sigaction(int sig, sighandler_t handler, int flags)
{
	struct sigaction act = {}, old = {};
	act.sa_handler = handler;
	act.sa_flags = flags;
	sigemptyset(&act.sa_mask);
	if (program_sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	/* Through void (*)(), the type -Wcast-function-type accepts as a
	 * generic function pointer: the union holds one or the other. */
	return (old.sa_flags & SA_SIGINFO)
		       ? reinterpret_cast<sighandler_t>(reinterpret_cast<void (*)()>(old.sa_sigaction))
		       : old.sa_handler;
}

bool hidden(int sig)
{
	return !in_model() && ((sig != 0 && sig == session_signal()) || sig == SIGSEGV || sig == SIGBUS);
}

} /* namespace */

SHIM_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (!__atomic_load_n(&g_ready, __ATOMIC_ACQUIRE))
		return early_sigaction(sig, act, old);
	return program_sigaction(sig, act, old);
}

SHIM_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	if (!hidden(sig))
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
	if (!hidden(sig))
		return REAL(sysv_signal)(sig, handler);
	return signal_via_sigaction(sig, handler, SA_RESETHAND | SA_NODEFER);
}

SHIM_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	sigset_t copy;
	return REAL(sigprocmask)(how, how == SIG_UNBLOCK ? set : without_session_signal(set, copy), old);
}

SHIM_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	sigset_t copy;
	return REAL(pthread_sigmask)(how, how == SIG_UNBLOCK ? set : without_session_signal(set, copy), old);
}

SHIM_EXPORT int sigsuspend(const sigset_t *mask)
{
	sigset_t copy;
	return REAL(sigsuspend)(without_session_signal(mask, copy));
}

SHIM_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask)
{
	sigset_t copy;
	return REAL(ppoll)(fds, n, timeout, without_session_signal(mask, copy));
}

SHIM_EXPORT int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *timeout, const sigset_t *mask)
{
	sigset_t copy;
	return REAL(pselect)(n, r, w, e, timeout, without_session_signal(mask, copy));
}

SHIM_EXPORT int epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout, const sigset_t *mask)
{
	sigset_t copy;
	return REAL(epoll_pwait)(epfd, events, max, timeout, without_session_signal(mask, copy));
}

SHIM_EXPORT int signalfd(int fd, const sigset_t *mask, int flags)
{
	sigset_t copy;
	return REAL(signalfd)(fd, without_session_signal(mask, copy), flags);
}
