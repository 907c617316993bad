/* SPDX-License-Identifier: MIT */
#include "support/sigbus_probe.h"

#include <atomic>

namespace softvfio::test {

namespace {

thread_local sigjmp_buf *t_jump = nullptr;
thread_local SigbusResult *t_result = nullptr;

void on_sigbus(int, siginfo_t *info, void *)
{
	if (!t_jump)
		return;
	t_result->faulted = true;
	t_result->code = info->si_code;
	t_result->addr = info->si_addr;
	siglongjmp(*t_jump, 1);
}

} /* namespace */

SigbusProbe::SigbusProbe()
{
	struct sigaction sa = {};
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &previous_);
}

SigbusProbe::~SigbusProbe()
{
	sigaction(SIGBUS, &previous_, nullptr);
}

/* The access itself is not instrumented: a sanitizer's own check of the
 * address must not stand between the fault and our handler. */
__attribute__((noinline, no_sanitize("address", "thread", "undefined")))
uint32_t load32(const volatile void *addr)
{
	return *static_cast<const volatile uint32_t *>(addr);
}

__attribute__((noinline, no_sanitize("address", "thread", "undefined")))
void store32(volatile void *addr, uint32_t value)
{
	*static_cast<volatile uint32_t *>(addr) = value;
}

/* sigsetjmp(.., 1): restore the signal mask on the way out, since SIGBUS is
 * blocked while its handler runs. */
SigbusResult SigbusProbe::read32(const volatile void *addr)
{
	SigbusResult result;
	sigjmp_buf jump;
	t_result = &result;
	if (sigsetjmp(jump, 1) == 0) {
		t_jump = &jump;
		/* The handler must see t_jump before the access can fault. */
		std::atomic_signal_fence(std::memory_order_seq_cst);
		result.value = load32(addr);
		std::atomic_signal_fence(std::memory_order_seq_cst);
	}
	t_jump = nullptr;
	return result;
}

SigbusResult SigbusProbe::write32(volatile void *addr, uint32_t value)
{
	SigbusResult result;
	sigjmp_buf jump;
	t_result = &result;
	if (sigsetjmp(jump, 1) == 0) {
		t_jump = &jump;
		/* The handler must see t_jump before the access can fault. */
		std::atomic_signal_fence(std::memory_order_seq_cst);
		store32(addr, value);
		std::atomic_signal_fence(std::memory_order_seq_cst);
	}
	t_jump = nullptr;
	return result;
}

} /* namespace softvfio::test */
