/* SPDX-License-Identifier: MIT */
/*
 * The session signal's handler. It runs at any instruction of any thread
 * that does not block the signal: it applies the mailbox's work (mm_table)
 * and passes every other delivery of the same signal to the program's own
 * action, as if the handler were not there. Built without ThreadSanitizer
 * instrumentation, for the same reason as the mm table.
 */
#include <atomic>
#include <cerrno>
#include <csignal>
#include <dlfcn.h>
#include <mutex>

#include "session/client/connection.h"
#include "session/client/sys.h"

namespace softvfio::session {

namespace {

using SigactionFn = int (*)(int, const struct sigaction *, struct sigaction *);

std::atomic<Connection *> g_connection{nullptr};
int g_signal = 0;

/* The program's action, double-buffered: the handler reads the current
 * slot while sigaction() from another thread writes the other. */
struct sigaction g_program[2];
std::atomic<int> g_current{0};
std::mutex g_program_lock;

SigactionFn next_sigaction()
{
	static SigactionFn next = reinterpret_cast<SigactionFn>(::dlsym(RTLD_NEXT, "sigaction"));
	return next;
}

/* What the kernel would have done with a signal that is not ours. */
void chain(int sig, siginfo_t *info, void *context)
{
	struct sigaction prev = g_program[g_current.load()];
	if (!(prev.sa_flags & SA_SIGINFO) && prev.sa_handler == SIG_IGN)
		return;
	if (!(prev.sa_flags & SA_SIGINFO) && prev.sa_handler == SIG_DFL) {
		/* Default ignore (SIGURG, SIGCHLD, SIGWINCH) means nothing to
		 * do; any other default action is taken as the kernel would. */
		if (sig == SIGURG || sig == SIGCHLD || sig == SIGWINCH || sig == SIGCONT)
			return;
		if (SigactionFn f = next_sigaction())
			f(sig, &prev, nullptr);
		sigset_t one;
		sigemptyset(&one);
		sigaddset(&one, sig);
		sys::sigprocmask(SIG_UNBLOCK, &one, nullptr);
		::raise(sig);
		return;
	}
	sigset_t block = prev.sa_mask, saved;
	if (!(prev.sa_flags & SA_NODEFER))
		sigaddset(&block, sig);
	sys::sigprocmask(SIG_BLOCK, &block, &saved);
	if (prev.sa_flags & SA_SIGINFO)
		prev.sa_sigaction(sig, info, context);
	else
		prev.sa_handler(sig);
	sys::sigprocmask(SIG_SETMASK, &saved, nullptr);
}

void on_signal(int sig, siginfo_t *info, void *context)
{
	const int saved = errno;
	Connection *c = g_connection.load(std::memory_order_acquire);
	if (c && info && info->si_code == SI_QUEUE && info->si_value.sival_int == wire::kSignalValue)
		c->on_signal();
	else
		chain(sig, info, context);
	errno = saved;
}

} /* namespace */

void install_work_handler(Connection &connection, int sig) noexcept
{
	std::lock_guard guard(g_program_lock);
	g_connection.store(&connection, std::memory_order_release);
	if (g_signal == sig)
		return;
	SigactionFn f = next_sigaction();
	if (!f)
		return;
	struct sigaction act = {};
	act.sa_sigaction = on_signal;
	act.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigemptyset(&act.sa_mask);
	struct sigaction old = {};
	if (f(sig, &act, &old) == 0) {
		g_program[0] = old;
		g_current.store(0);
		g_signal = sig;
	}
}

int work_signal_sigaction(const struct sigaction *act, struct sigaction *old) noexcept
{
	std::lock_guard guard(g_program_lock);
	int cur = g_current.load();
	if (old)
		*old = g_program[cur];
	if (act) {
		g_program[1 - cur] = *act;
		g_current.store(1 - cur);
	}
	return 0;
}

int work_signal() noexcept
{
	return g_signal;
}

} /* namespace softvfio::session */
