/* SPDX-License-Identifier: MIT */
#include "kernel/guarded_access.h"

#include <atomic>
#include <csetjmp>
#include <csignal>
#include <mutex>

namespace softvfio::test {

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
		const struct sigaction &prev = g_previous[slot(sig)];
		if (prev.sa_flags & SA_SIGINFO)
			prev.sa_sigaction(sig, info, context);
		else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN)
			prev.sa_handler(sig);
		else
			signal(sig, SIG_DFL);
		return;
	}
	t_guard = nullptr;
	g->signo = sig;
	g->code = info->si_code;
	g->addr = reinterpret_cast<uintptr_t>(info->si_addr);
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

__attribute__((no_sanitize("address", "thread", "undefined"), noinline)) uint32_t raw_read(const void *addr)
{
	return *static_cast<const volatile uint32_t *>(addr);
}

__attribute__((no_sanitize("address", "thread", "undefined"), noinline)) void raw_write(void *addr, uint32_t value)
{
	*static_cast<volatile uint32_t *>(addr) = value;
}

struct Request {
	void *addr;
	uint32_t value;
	bool write;
};

/* Only memory (req, g, out) is used after the jump. The mask is saved and
 * restored: TSan's handler wrapper ignores SA_NODEFER. */
__attribute__((noinline)) void guarded(const volatile Request *req, Guard *g, volatile uint32_t *out)
{
	std::call_once(g_once, install);
	g->signo = 0;
	if (sigsetjmp(g->jump, 1)) {
		std::atomic_signal_fence(std::memory_order_seq_cst);
		return;
	}
	t_guard = g;
	std::atomic_signal_fence(std::memory_order_seq_cst);
	if (req->write)
		raw_write(req->addr, req->value);
	else
		*out = raw_read(req->addr);
	std::atomic_signal_fence(std::memory_order_seq_cst);
	t_guard = nullptr;
}

Access run(void *addr, uint32_t value, bool write)
{
	const volatile Request req{addr, value, write};
	Guard g;
	volatile uint32_t out = 0;
	guarded(&req, &g, &out);
	if (g.signo)
		return {true, g.signo, g.code, g.addr, 0};
	return {false, 0, 0, 0, out};
}

} /* namespace */

Access guarded_read(const void *addr) { return run(const_cast<void *>(addr), 0, false); }

Access guarded_write(void *addr, uint32_t value) { return run(addr, value, true); }

} /* namespace softvfio::test */
