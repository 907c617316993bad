/* SPDX-License-Identifier: MIT */
#include "base/user_copy.h"

#include <atomic>
#include <cerrno>
#include <csetjmp>
#include <csignal>
#include <cstring>
#include <mutex>
#include <pthread.h>
#include <ucontext.h>

namespace softvfio {

namespace {

struct Guard {
	sigjmp_buf jump;
};

thread_local Guard *t_guard = nullptr;
struct sigaction g_previous[2];
std::once_flag g_install_once;

int slot(int sig) { return sig == SIGSEGV ? 0 : 1; }

/* Hand a fault that is not ours to whoever handled it before us. */
void chain(int sig, siginfo_t *info, void *context)
{
	const struct sigaction &prev = g_previous[slot(sig)];
	if (prev.sa_flags & SA_SIGINFO) {
		prev.sa_sigaction(sig, info, context);
		return;
	}
	if (prev.sa_handler == SIG_DFL || prev.sa_handler == SIG_IGN) {
		/* Returning re-runs the faulting access under the default
		 * action, which is what the program would have seen. */
		::sigaction(sig, &prev, nullptr);
		return;
	}
	prev.sa_handler(sig);
}

void on_fault(int sig, siginfo_t *info, void *context)
{
	if (Guard *guard = t_guard) {
		t_guard = nullptr;
		/* Leave with the mask the faulting code had (the context's):
		 * SA_NODEFER should keep the signal unblocked, but sanitizer
		 * runtimes that wrap handlers may not honour it, and
		 * ThreadSanitizer's wrapper blocks more than this signal (a
		 * later SIGBUS would then kill the process). The hot path
		 * saves no mask (sigsetjmp(.., 0)). */
		pthread_sigmask(SIG_SETMASK, &static_cast<ucontext_t *>(context)->uc_sigmask, nullptr);
		siglongjmp(guard->jump, 1);
	}
	chain(sig, info, context);
}

void install_handlers()
{
	struct sigaction sa = {};
	sa.sa_sigaction = on_fault;
	/* SA_NODEFER: we leave the handler by longjmp without restoring the
	 * signal mask, so the signal must not be blocked while it runs. */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	::sigaction(SIGSEGV, &sa, &g_previous[0]);
	::sigaction(SIGBUS, &sa, &g_previous[1]);
}

/* The copy itself must not be instrumented: a sanitizer would report the
 * very bad pointer we are about to turn into EFAULT, and racing user writes
 * are the caller's business, as they are for the kernel. */
__attribute__((no_sanitize("address", "thread", "undefined"), noinline))
void raw_copy(void *dst, const void *src, size_t n)
{
	auto *d = static_cast<volatile unsigned char *>(dst);
	auto *s = static_cast<const volatile unsigned char *>(src);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t word;
		__builtin_memcpy(&word, const_cast<const unsigned char *>(s + i), 8);
		__builtin_memcpy(const_cast<unsigned char *>(d + i), &word, 8);
	}
	for (; i < n; i++)
		d[i] = s[i];
}

__attribute__((noinline))
Result<void> guarded_copy(void *dst, const void *src, size_t n)
{
	if (n == 0)
		return {};
	std::call_once(g_install_once, install_handlers);
	Guard guard;
	if (sigsetjmp(guard.jump, 0)) {
		std::atomic_signal_fence(std::memory_order_seq_cst);
		return err(EFAULT);
	}
	t_guard = &guard;
	std::atomic_signal_fence(std::memory_order_seq_cst);
	raw_copy(dst, src, n);
	std::atomic_signal_fence(std::memory_order_seq_cst);
	t_guard = nullptr;
	return {};
}

} /* namespace */

Result<void> copy_from_user(void *dst, const void *user_src, size_t n)
{
	return guarded_copy(dst, user_src, n);
}

Result<void> copy_to_user(void *user_dst, const void *src, size_t n)
{
	return guarded_copy(user_dst, src, n);
}

Result<std::string> copy_string_from_user(const char *user_src, size_t max)
{
	std::string out;
	for (size_t i = 0; i < max; i++) {
		char c;
		SVFIO_TRY(guarded_copy(&c, user_src + i, 1));
		if (c == '\0')
			return out;
		out.push_back(c);
	}
	return err(EINVAL);
}

} /* namespace softvfio */
