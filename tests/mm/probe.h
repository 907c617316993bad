/* SPDX-License-Identifier: MIT */
/*
 * Guarded memory probes: one access to emulated memory that reports a
 * SIGBUS/SIGSEGV (signal, si_code, si_addr) instead of dying. Per thread;
 * the access itself is not instrumented, so sanitizers neither report the
 * intended faults nor the intended cross-thread sharing of device memory.
 */
#pragma once

#include <cstdint>

namespace softvfio::mm::test {

struct Probe {
	bool faulted = false;
	int signo = 0;
	int code = 0;
	uintptr_t addr = 0;
	uint32_t value = 0;
};

Probe probe_read(uintptr_t addr);
Probe probe_write(uintptr_t addr, uint32_t value);

} /* namespace softvfio::mm::test */
