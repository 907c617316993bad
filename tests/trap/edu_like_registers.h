/* SPDX-License-Identifier: MIT */
/*
 * A small register model in the manner of QEMU's edu device, enough to see
 * that a trapped access reached a device rather than memory: the liveness
 * register answers with the bitwise NOT of what was written, the status
 * register clears on read, the doorbell counts writes, and the rest is
 * scratch for memcpy/memset. Everything is fixed-size: it runs inside a
 * signal handler.
 */
#pragma once

#include <cstdint>
#include <cstring>

#include "trap/register_space.h"

namespace softvfio::trap::test {

class EduLikeRegisters : public RegisterSpace
{
public:
	static constexpr uint64_t kIdentification = 0x00;
	static constexpr uint64_t kLiveness = 0x04;
	static constexpr uint64_t kFactorial = 0x08;
	static constexpr uint64_t kStatus = 0x20;   /* read to clear */
	static constexpr uint64_t kDoorbell = 0x30; /* counts writes */
	static constexpr uint64_t kScratch = 0x100; /* plain bytes up to the page end */
	static constexpr uint32_t kId = 0x010000ed;

	uint64_t read(uint64_t offset, unsigned width) override
	{
		reads++;
		switch (offset) {
		case kIdentification: return kId;
		case kLiveness: return liveness;
		case kFactorial: return factorial;
		case kStatus: {
			uint64_t value = status;
			status = 0;
			return value;
		}
		case kDoorbell: return doorbells;
		default: break;
		}
		uint64_t value = 0;
		if (offset >= kScratch && offset + width <= sizeof(scratch) + kScratch)
			std::memcpy(&value, scratch + (offset - kScratch), width);
		return value;
	}

	void write(uint64_t offset, unsigned width, uint64_t value) override
	{
		writes++;
		switch (offset) {
		case kLiveness: liveness = static_cast<uint32_t>(~value); return;
		case kFactorial: factorial = compute_factorial(static_cast<uint32_t>(value)); return;
		case kDoorbell: doorbells++; return;
		default: break;
		}
		if (offset >= kScratch && offset + width <= sizeof(scratch) + kScratch)
			std::memcpy(scratch + (offset - kScratch), &value, width);
	}

	uint32_t liveness = 0;
	uint32_t factorial = 1;
	uint64_t status = 0;
	uint64_t doorbells = 0;
	uint64_t reads = 0, writes = 0;
	uint8_t scratch[0x1000 - kScratch] = {};

private:
	static uint32_t compute_factorial(uint32_t n)
	{
		uint32_t result = 1;
		for (uint32_t i = 2; i <= n; i++)
			result *= i;
		return result;
	}
};

} /* namespace softvfio::trap::test */
