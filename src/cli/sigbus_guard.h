/* SPDX-License-Identifier: MIT */
/*
 * Touch memory that may be revoked and report the SIGBUS instead of dying,
 * the way VFIO programs test revocation (SA_SIGINFO + sigsetjmp).
 */
#pragma once

#include <cstdint>

namespace softvfio::cli {

struct Touch {
	bool sigbus = false;
	int code = 0;
	const void *addr = nullptr;
	uint32_t value = 0;
};

/* Installs the handler for its lifetime (one per thread at a time). */
class SigbusGuard
{
public:
	SigbusGuard();
	~SigbusGuard();
	Touch read32(const volatile void *addr);
	Touch write32(volatile void *addr, uint32_t value);
};

} /* namespace softvfio::cli */
