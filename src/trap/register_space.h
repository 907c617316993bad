/* SPDX-License-Identifier: MIT */
/*
 * What the trap-and-emulate core talks to: register models, and the
 * caller's map from faulting addresses to them.
 *
 * Both interfaces are called from a SIGSEGV/SIGBUS handler, on the thread
 * that faulted, so their implementations must be async-signal-safe: no
 * allocation, no locks that the interrupted code may hold, no stdio.
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace softvfio::trap {

/*
 * A device's register range. Accesses arrive one at a time in program
 * order with their exact offset, width (1, 2, 4 or 8 bytes) and value;
 * wider SSE/AVX moves arrive as 8-byte accesses in ascending address order.
 */
class RegisterSpace
{
public:
	virtual ~RegisterSpace() = default;
	virtual uint64_t read(uint64_t offset, unsigned width) = 0;
	virtual void write(uint64_t offset, unsigned width, uint64_t value) = 0;
	/* Nonzero once an access could not be made (the range was revoked
	 * under the instruction): that access and the instruction fail with
	 * EFAULT, and the caller raises SIGBUS as the CPU would. */
	virtual bool failed() const { return false; }
};

/* Where an access lands. */
struct RegisterTarget {
	RegisterSpace *space = nullptr;
	uint64_t offset = 0;
};

enum class Region {
	memory,    /* no byte of the range is a register: plain memory */
	registers, /* every byte is in one register range: target is set */
	mixed,     /* straddles a register range's edge: cannot be emulated */
};

/*
 * The caller's view of its mappings: which addresses are register ranges.
 * resolve() looks up [address, address + length).
 */
class AddressMap
{
public:
	virtual ~AddressMap() = default;
	virtual Region resolve(uintptr_t address, size_t length, RegisterTarget &target) const = 0;
};

} /* namespace softvfio::trap */
