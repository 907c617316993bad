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
#include <cstring>
#include <mutex>
#include <sys/syscall.h>
#include <unistd.h>

#include "session/client/connection.h"
#include "session/client/handler_slot.h"
#include "session/client/sys.h"
#include "session/client/trace_settings.h"

namespace softvfio::session {

namespace {

using SigactionFn = int (*)(int, const struct sigaction *, struct sigaction *);

HandlerSlot g_connection;
int g_signal = 0;
/* Where a change of the trace's settings is flagged (trace_settings.h). */
std::atomic<bool *> g_trace_switch{nullptr};

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

#if defined(__x86_64__)
/* The handler is installed with the system call itself: a sanitizer's
 * sigaction interceptor would wrap it and may hold the signal back until
 * the thread next enters one of its interceptors (ThreadSanitizer does,
 * and in the child of a multi-threaded fork it never does), while the
 * kernel must not wait for this process's acknowledgement. The C library's
 * restorer is not exported: this one makes the same rt_sigreturn. */
extern "C" void softvfio_session_restore_rt();
asm(".pushsection .text\n"
    ".type softvfio_session_restore_rt, @function\n"
    "softvfio_session_restore_rt:\n"
    "\tmovq $15, %rax\n"   /* __NR_rt_sigreturn */
    "\tsyscall\n"
    ".size softvfio_session_restore_rt, .-softvfio_session_restore_rt\n"
    ".popsection");

struct KernelSigaction {
	void (*handler)(int, siginfo_t *, void *);
	unsigned long flags;
	void (*restorer)();
	uint64_t mask;
};
constexpr unsigned long kSaRestorer = 0x04000000;

int raw_sigaction(int sig, void (*handler)(int, siginfo_t *, void *), int flags, struct sigaction *old)
{
	KernelSigaction act{handler, static_cast<unsigned long>(flags) | kSaRestorer, softvfio_session_restore_rt, 0};
	KernelSigaction prev{};
	if (::syscall(SYS_rt_sigaction, sig, &act, &prev, sizeof(uint64_t)) < 0)
		return -1;
	std::memset(old, 0, sizeof(*old));
	old->sa_sigaction = prev.handler;
	old->sa_flags = static_cast<int>(prev.flags & ~kSaRestorer);
	std::memcpy(&old->sa_mask, &prev.mask, sizeof(prev.mask));
	return 0;
}
#else
int raw_sigaction(int sig, void (*handler)(int, siginfo_t *, void *), int flags, struct sigaction *old)
{
	SigactionFn f = next_sigaction();
	if (!f)
		return -1;
	struct sigaction act = {};
	act.sa_sigaction = handler;
	act.sa_flags = flags;
	sigemptyset(&act.sa_mask);
	return f(sig, &act, old);
}
#endif

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
	if (info && info->si_code == SI_QUEUE && info->si_value.sival_int == wire::kSignalValue) {
		/* The kernel's, also once the connection is gone (then
		 * dropped: it is never the program's). */
		HandlerSlot::Use use(g_connection);
		if (Connection *c = use.connection)
			if (const uintptr_t mailbox = c->mailbox_range().first)
				c->mm().apply_work(reinterpret_cast<wire::Mailbox *>(mailbox)->header);
	} else if (info && info->si_code == SI_QUEUE && info->si_value.sival_int == wire::kTraceSignalValue) {
		if (bool *flag = g_trace_switch.load())
			__atomic_store_n(flag, true, __ATOMIC_RELEASE);
	} else {
		chain(sig, info, context);
	}
	errno = saved;
}

} /* namespace */

void install_work_handler(Connection &connection, int sig) noexcept
{
	std::lock_guard guard(g_program_lock);
	g_connection.set(&connection);
	if (g_signal == sig)
		return;
	struct sigaction old = {};
	if (raw_sigaction(sig, on_signal, SA_SIGINFO | SA_RESTART | SA_ONSTACK, &old) == 0) {
		g_program[0] = old;
		g_current.store(0);
		g_signal = sig;
	}
}

void set_trace_switch(bool *flag) noexcept
{
	g_trace_switch.store(flag);
}

void detach_work_handler(Connection &connection) noexcept
{
	g_connection.clear(&connection);
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
