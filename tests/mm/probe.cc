/* SPDX-License-Identifier: MIT */
#include "mm/probe.h"

#include <atomic>
#include <csetjmp>
#include <csignal>
#include <mutex>

namespace softvfio::mm::test {

namespace {

struct Guard {
	sigjmp_buf jump;
	volatile int signo;
	volatile int code;
	volatile uintptr_t addr;
};

thread_local Guard *t_guard = nullptr;
std::once_flag g_once;

void on_fault(int sig, siginfo_t *info, void *)
{
	Guard *g = t_guard;
	if (!g) {
		/* Not a probe: die the default way on return. */
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
	sigaction(SIGBUS, &sa, nullptr);
	sigaction(SIGSEGV, &sa, nullptr);
}

__attribute__((no_sanitize("address", "thread", "undefined"), noinline))
uint32_t raw_read(uintptr_t addr)
{
	return *reinterpret_cast<volatile uint32_t *>(addr);
}

__attribute__((no_sanitize("address", "thread", "undefined"), noinline))
void raw_write(uintptr_t addr, uint32_t value)
{
	*reinterpret_cast<volatile uint32_t *>(addr) = value;
}

struct Request {
	uintptr_t addr;
	uint32_t value;
	bool write;
};

/* Only `g` (in memory) is used after the jump, so nothing live across
 * sigsetjmp sits in a register. The signal mask is saved and restored:
 * under ThreadSanitizer the kernel runs TSan's wrapper handler, which does
 * not honour our SA_NODEFER, so SIGBUS would stay blocked after the jump. */
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

Probe run(uintptr_t addr, uint32_t value, bool write)
{
	const volatile Request req{addr, value, write};
	Guard g;
	volatile uint32_t out = value;
	guarded(&req, &g, &out);
	if (g.signo)
		return {true, g.signo, g.code, g.addr, 0};
	return {false, 0, 0, 0, out};
}

} /* namespace */

Probe probe_read(uintptr_t addr) { return run(addr, 0, false); }

Probe probe_write(uintptr_t addr, uint32_t value) { return run(addr, value, true); }

} /* namespace softvfio::mm::test */
