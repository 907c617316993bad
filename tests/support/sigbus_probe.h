/* SPDX-License-Identifier: MIT */
/*
 * SigbusProbe: touch memory and report whether the access raised SIGBUS,
 * with its si_code and si_addr, the way VFIO clients test revocation
 * (sigaction SA_SIGINFO + sigsetjmp/siglongjmp). Per thread; the handler is
 * installed while a probe object lives.
 */
#pragma once

#include <csetjmp>
#include <csignal>
#include <cstdint>

namespace softvfio::test {

struct SigbusResult {
	bool faulted = false;
	int code = 0;
	void *addr = nullptr;
	uint32_t value = 0;   /* what a successful read returned */
};

class SigbusProbe
{
public:
	SigbusProbe();
	~SigbusProbe();
	SigbusProbe(const SigbusProbe &) = delete;
	SigbusProbe &operator=(const SigbusProbe &) = delete;

	SigbusResult read32(const volatile void *addr);
	SigbusResult write32(volatile void *addr, uint32_t value);

private:
	struct sigaction previous_{};
};

} /* namespace softvfio::test */
