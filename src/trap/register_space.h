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

/* A RegisterSpace that hands each access on (to the session kernel, to
 * the in-process model) and stops at the first one that could not be
 * made: the instruction's other accesses then make none. Inline, for
 * the fault handlers' files built without ThreadSanitizer. */
class ForwardingRegisterSpace : public RegisterSpace
{
public:
	uint64_t read(uint64_t offset, unsigned width) final { return access(offset, width, false, 0); }
	void write(uint64_t offset, unsigned width, uint64_t value) final { access(offset, width, true, value); }
	bool failed() const final { return failed_; }

protected:
	/* Make the access (a read's value into `value`); false if it could
	 * not be made. */
	virtual bool forward(uint64_t offset, unsigned width, bool write, uint64_t &value) = 0;

private:
	uint64_t access(uint64_t offset, unsigned width, bool write, uint64_t value)
	{
		if (failed_)
			return 0;
		if (!forward(offset, width, write, value)) {
			failed_ = true;
			return 0;
		}
		return write ? 0 : value;
	}

	bool failed_ = false;
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
