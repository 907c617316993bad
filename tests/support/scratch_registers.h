/* SPDX-License-Identifier: MIT */
/*
 * A register BAR that behaves as memory: every naturally aligned access
 * of 1, 2, 4 or 8 bytes in its first kBytes reads back what was stored,
 * beyond them reads all ones. A system call's argument placed there is
 * answered through register accesses (each one trapped and counted)
 * exactly as memory would answer it, which edu's BAR0 cannot do: its DMA
 * buffer at 0x40000 is reachable only by DMA (reads all ones), and its
 * registers are not memory. Header-only; the model registers itself once
 * per process.
 */
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>

#include <softvfio/device_description.h>
#include <softvfio/device_model.h>

namespace softvfio::test {

inline constexpr const char *kScratchModel = "test-scratch-ram";

class ScratchRegisters final : public DeviceModel
{
public:
	static constexpr uint64_t kBytes = 8192;

	uint64_t read(uint64_t offset, unsigned width) override
	{
		if (offset + width > kBytes)
			return ~uint64_t(0);
		uint64_t v = 0;
		std::memcpy(&v, bytes_.data() + offset, width);
		return v;
	}
	void write(uint64_t offset, unsigned width, uint64_t value) override
	{
		if (offset + width <= kBytes)
			std::memcpy(bytes_.data() + offset, &value, width);
	}
	void reset() override { bytes_.fill(0); }

private:
	std::array<uint8_t, kBytes> bytes_{};
};

inline void ensure_scratch_model()
{
	static const int registered = register_device_model(
		{kScratchModel, ScratchRegisters::kBytes,
		 [](DeviceContext &) { return std::unique_ptr<DeviceModel>(new ScratchRegisters); }});
	(void)registered;
}

/* `base` (edu's description, say: BAR0 of registers, INTx) with BAR0's
 * registers the scratch model's. */
inline DeviceDescription scratch_description(DeviceDescription base)
{
	ensure_scratch_model();
	base.bars[0].model = kScratchModel;
	return base;
}

} /* namespace softvfio::test */
