/* SPDX-License-Identifier: MIT */
/*
 * SigbusProbe: touch memory and report whether the access raised SIGBUS,
 * with its si_code and si_addr, the way VFIO clients test revocation. A
 * thin face over guarded_access.h for the device tests.
 */
#pragma once

#include <cstdint>

#include "support/guarded_access.h"

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
	SigbusResult read32(const volatile void *addr) { return result(guarded_read(const_cast<const void *>(addr))); }
	SigbusResult write32(volatile void *addr, uint32_t value)
	{
		return result(guarded_write(const_cast<void *>(addr), value));
	}

private:
	static SigbusResult result(const Access &a)
	{
		return {a.faulted, a.code, reinterpret_cast<void *>(a.addr), a.value};
	}
};

} /* namespace softvfio::test */
