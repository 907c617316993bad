/* SPDX-License-Identifier: MIT */
/*
 * Test doubles for the trap core: a register space backed by bytes that
 * records every access, and an address map with one register range.
 * Fixed-size storage only: the real-fault tests call them from a signal
 * handler.
 */
#pragma once

#include <cstdint>
#include <cstring>

#include "trap/register_space.h"

namespace softvfio::trap::test {

struct RecordedAccess {
	bool write;
	uint64_t offset;
	unsigned width;
	uint64_t value;

	bool operator==(const RecordedAccess &) const = default;
};

inline RecordedAccess Read(uint64_t offset, unsigned width, uint64_t value)
{
	return {false, offset, width, value};
}

inline RecordedAccess Write(uint64_t offset, unsigned width, uint64_t value)
{
	return {true, offset, width, value};
}

/* Reads return the backing bytes; writes store into them. */
class FakeRegisters : public RegisterSpace
{
public:
	static constexpr size_t kSize = 0x1000;
	static constexpr size_t kMaxLog = 512;

	uint64_t read(uint64_t offset, unsigned width) override
	{
		uint64_t value = 0;
		std::memcpy(&value, bytes + offset, width);
		record({false, offset, width, value});
		return value;
	}

	void write(uint64_t offset, unsigned width, uint64_t value) override
	{
		std::memcpy(bytes + offset, &value, width);
		record({true, offset, width, value});
	}

	void set(uint64_t offset, uint64_t value, unsigned width = 8) { std::memcpy(bytes + offset, &value, width); }
	uint64_t get(uint64_t offset, unsigned width = 8) const
	{
		uint64_t value = 0;
		std::memcpy(&value, bytes + offset, width);
		return value;
	}

	uint8_t bytes[kSize] = {};
	RecordedAccess log[kMaxLog] = {};
	size_t logged = 0;

private:
	void record(RecordedAccess access)
	{
		if (logged < kMaxLog)
			log[logged++] = access;
	}
};

/* [base, base + size) is `space`; everything else is plain memory. */
class RangeMap : public AddressMap
{
public:
	RangeMap(uintptr_t base, size_t size, RegisterSpace &space) : base_(base), size_(size), space_(space) {}

	Region resolve(uintptr_t address, size_t length, RegisterTarget &target) const override
	{
		uintptr_t end = address + length;
		if (end <= base_ || address >= base_ + size_)
			return Region::memory;
		if (address < base_ || end > base_ + size_)
			return Region::mixed;
		target = {&space_, address - base_};
		return Region::registers;
	}

	void move_to(uintptr_t base) { base_ = base; }

private:
	uintptr_t base_;
	size_t size_;
	RegisterSpace &space_;
};

} /* namespace softvfio::trap::test */
