/* SPDX-License-Identifier: MIT */
/*
 * One guarded 32-bit read or write of emulated memory from any thread:
 * reports SIGBUS (code, address) instead of dying. The access itself is not
 * instrumented, so ThreadSanitizer neither flags the intended sharing of
 * device memory nor the intended faults. Faults that are not a guarded
 * access's go to the handler installed before (the model's user-copy
 * guard, or the default action).
 */
#pragma once

#include <cstdint>

namespace softvfio::test {

struct Access {
	bool faulted = false;
	int signo = 0;
	int code = 0;
	uintptr_t addr = 0;
	uint32_t value = 0;
};

Access guarded_read(const void *addr);
Access guarded_write(void *addr, uint32_t value);

} /* namespace softvfio::test */
