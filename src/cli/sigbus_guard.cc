/* SPDX-License-Identifier: MIT */
#include "cli/sigbus_guard.h"

#include <atomic>
#include <csetjmp>
#include <csignal>

namespace softvfio::cli {

namespace {

thread_local sigjmp_buf *t_jump = nullptr;
thread_local Touch *t_touch = nullptr;
struct sigaction g_previous;

void on_sigbus(int, siginfo_t *info, void *)
{
	if (!t_jump)
		return;
	t_touch->sigbus = true;
	t_touch->code = info->si_code;
	t_touch->addr = info->si_addr;
	siglongjmp(*t_jump, 1);
}

} /* namespace */

SigbusGuard::SigbusGuard()
{
	struct sigaction sa = {};
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &g_previous);
}

SigbusGuard::~SigbusGuard()
{
	sigaction(SIGBUS, &g_previous, nullptr);
}

Touch SigbusGuard::read32(const volatile void *addr)
{
	Touch t;
	sigjmp_buf jump;
	t_touch = &t;
	if (sigsetjmp(jump, 1) == 0) {
		t_jump = &jump;
		std::atomic_signal_fence(std::memory_order_seq_cst);
		t.value = *static_cast<const volatile uint32_t *>(addr);
		std::atomic_signal_fence(std::memory_order_seq_cst);
	}
	t_jump = nullptr;
	return t;
}

Touch SigbusGuard::write32(volatile void *addr, uint32_t value)
{
	Touch t;
	sigjmp_buf jump;
	t_touch = &t;
	if (sigsetjmp(jump, 1) == 0) {
		t_jump = &jump;
		std::atomic_signal_fence(std::memory_order_seq_cst);
		*static_cast<volatile uint32_t *>(addr) = value;
		std::atomic_signal_fence(std::memory_order_seq_cst);
	}
	t_jump = nullptr;
	return t;
}

} /* namespace softvfio::cli */
