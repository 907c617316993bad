/* SPDX-License-Identifier: MIT */
/*
 * Guarded memory probes for the mm tests: one access to emulated memory
 * that reports a SIGBUS/SIGSEGV (signal, si_code, si_addr) instead of
 * dying; support/guarded_access.h by address.
 */
#pragma once

#include <cstdint>

#include "support/guarded_access.h"

namespace softvfio::mm::test {

using Probe = softvfio::test::Access;

inline Probe probe_read(uintptr_t addr) { return softvfio::test::guarded_read(reinterpret_cast<const void *>(addr)); }

inline Probe probe_write(uintptr_t addr, uint32_t value)
{
	return softvfio::test::guarded_write(reinterpret_cast<void *>(addr), value);
}

} /* namespace softvfio::mm::test */
