/* SPDX-License-Identifier: MIT */
/*
 * Guarded copies: a per-thread jump target, and process-wide SIGBUS and
 * SIGSEGV handlers that use it when the faulting thread is inside a
 * guarded copy and hand every other fault to the previous handler.
 */
#include <softvfio/client/safe_access.h>

#include <atomic>
#include <cerrno>
#include <csetjmp>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <string>
#include <ucontext.h>

/* The model's verdict on a fault, when the model is in the process (the
 * in-process backend, or the shim): a register mapping's trapped access
 * is emulated there (base/user_copy.h; 0 not the model's, 1 emulated, 2
 * SIGBUS). Weak: the client library links no model code. */
extern "C" int softvfio_intercept_fault(int sig, siginfo_t *info, void *context) __attribute__((weak));

namespace softvfio::client {

namespace {

struct Guard {
	sigjmp_buf jump;
	volatile int signo;
	volatile int code;
	volatile uintptr_t addr;
};

thread_local Guard *t_guard = nullptr;
std::once_flag g_once;
struct sigaction g_previous[2];

int slot(int sig) { return sig == SIGSEGV ? 0 : 1; }

void on_fault(int sig, siginfo_t *info, void *context)
{
	Guard *g = t_guard;
	if (!g) {
		/* Not ours: the previous handler, or the default action when
		 * the faulting access is retried. */
		const struct sigaction &prev = g_previous[slot(sig)];
		if (prev.sa_flags & SA_SIGINFO)
			prev.sa_sigaction(sig, info, context);
		else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN)
			prev.sa_handler(sig);
		else
			signal(sig, SIG_DFL);
		return;
	}
	/* A guarded copy from or to device registers: their traps are the
	 * model's, and SIGBUS where the CPU's access would raise it. */
	int verdict = 0;
	if (sig == SIGSEGV && softvfio_intercept_fault)
		verdict = softvfio_intercept_fault(sig, info, context);
	if (verdict == 1)
		return;
	t_guard = nullptr;
	g->signo = verdict == 2 ? SIGBUS : sig;
	g->code = verdict == 2 ? BUS_ADRERR : info->si_code;
	g->addr = reinterpret_cast<uintptr_t>(info->si_addr);
	/* Leave with exactly the mask the faulting code had: a sanitizer's
	 * handler wrapper blocks every signal while the handler runs
	 * (ThreadSanitizer's does), and jumping out would keep them all
	 * blocked, a process that then never takes the session signal. */
	pthread_sigmask(SIG_SETMASK, &static_cast<ucontext_t *>(context)->uc_sigmask, nullptr);
	siglongjmp(g->jump, 1);
}

void install()
{
	struct sigaction sa = {};
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &g_previous[0]);
	sigaction(SIGBUS, &sa, &g_previous[1]);
}

/* Naturally aligned volatile accesses, widest first; not instrumented, so
 * the sanitizers neither flag device memory shared with other threads or
 * processes nor see the intended faults. */
__attribute__((no_sanitize("address", "thread", "undefined"), noinline)) void
raw_copy(volatile uint8_t *dst, const volatile uint8_t *src, size_t n)
{
	while (n) {
		uintptr_t a = reinterpret_cast<uintptr_t>(dst) | reinterpret_cast<uintptr_t>(src);
		if (n >= 8 && !(a & 7)) {
			*reinterpret_cast<volatile uint64_t *>(dst) = *reinterpret_cast<const volatile uint64_t *>(src);
			dst += 8, src += 8, n -= 8;
		} else if (n >= 4 && !(a & 3)) {
			*reinterpret_cast<volatile uint32_t *>(dst) = *reinterpret_cast<const volatile uint32_t *>(src);
			dst += 4, src += 4, n -= 4;
		} else if (n >= 2 && !(a & 1)) {
			*reinterpret_cast<volatile uint16_t *>(dst) = *reinterpret_cast<const volatile uint16_t *>(src);
			dst += 2, src += 2, n -= 2;
		} else {
			*dst++ = *src++;
			n--;
		}
	}
}

struct Request {
	void *dst;
	const void *src;
	size_t n;
};

/* Only memory (req, g) is used after the jump. */
__attribute__((noinline)) void guarded(const volatile Request *req, Guard *g)
{
	std::call_once(g_once, install);
	g->signo = 0;
	/* The handler restores the mask before it jumps: the fast path needs
	 * no sigprocmask (sigsetjmp without saving the mask). */
	if (sigsetjmp(g->jump, 0)) {
		std::atomic_signal_fence(std::memory_order_seq_cst);
		return;
	}
	t_guard = g;
	std::atomic_signal_fence(std::memory_order_seq_cst);
	raw_copy(static_cast<volatile uint8_t *>(req->dst), static_cast<const volatile uint8_t *>(req->src), req->n);
	std::atomic_signal_fence(std::memory_order_seq_cst);
	t_guard = nullptr;
}

} /* namespace */

Result<void> safe_copy(void *dst, const void *src, size_t n, Fault *fault)
{
	const volatile Request req{dst, src, n};
	Guard g;
	guarded(&req, &g);
	if (fault)
		*fault = g.signo ? Fault{g.signo, g.code, g.addr} : Fault{};
	if (!g.signo)
		return {};
	char where[32];
	std::snprintf(where, sizeof(where), "%#lx", static_cast<unsigned long>(g.addr));
	return fail(g.signo == SIGBUS ? EIO : EFAULT,
		    std::string(g.signo == SIGBUS ? "SIGBUS" : "SIGSEGV") + " at " + where);
}

} /* namespace softvfio::client */
