/* SPDX-License-Identifier: MIT */
/*
 * One guarded 32-bit read or write of emulated memory from any thread:
 * reports SIGBUS/SIGSEGV (signal, code, address) instead of dying. The
 * tests use the client library's fault-tolerant copy (softvfio::client::
 * safe_copy), the one programs use: its access is not instrumented, so
 * ThreadSanitizer flags neither the intended sharing of device memory nor
 * the intended faults, and faults that are not a guarded access's go to the
 * handler installed before (the model's user-copy guard, or the default).
 */
#pragma once

#include <cstdint>

namespace softvfio::test {

struct Access {
	bool faulted = false;
	int signo = 0;
	int code = 0;
	uintptr_t addr = 0;
	uint32_t value = 0;   /* what a successful read returned */
};

Access guarded_read(const void *addr);
Access guarded_write(void *addr, uint32_t value);

} /* namespace softvfio::test */
