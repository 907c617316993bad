/* SPDX-License-Identifier: MIT */
/*
 * ConfigSpace: the bytes of a function's configuration space with the masks
 * that give them hardware behaviour. Each byte has a write mask (bits a
 * write may change) and a write-one-to-clear mask; everything else is read
 * only. BAR sizing falls out of this: a BAR's writable bits are exactly its
 * address bits, so writing all ones reads back the size mask with the
 * read-only type bits.
 *
 * Side effects of writes (power state changes, FLR, MSI delivery) are not
 * here: the function looks at what changed after each write.
 */
#pragma once

#include <array>
#include <cstdint>

namespace softvfio::pci {

class ConfigSpace
{
public:
	static constexpr uint32_t kStorage = 4096;

	explicit ConfigSpace(uint32_t size) : size_(size) {}

	uint32_t size() const { return size_; }

	/* Whether an access is one the bus would complete: width 1, 2 or 4,
	 * naturally aligned, inside the space. */
	bool valid_access(uint32_t offset, unsigned width) const;

	/* Hardware accesses, little-endian, masks applied. */
	uint32_t read(uint32_t offset, unsigned width) const;
	void write(uint32_t offset, unsigned width, uint32_t value);

	/* Raw accesses for the function itself: no masks. */
	uint8_t byte(uint32_t offset) const { return data_[offset]; }
	uint16_t word(uint32_t offset) const;
	uint32_t dword(uint32_t offset) const;
	void set_byte(uint32_t offset, uint8_t value) { data_[offset] = value; }
	void set_word(uint32_t offset, uint16_t value);
	void set_dword(uint32_t offset, uint32_t value);

	/* Masks, set while the layout is built. */
	void set_wmask(uint32_t offset, unsigned width, uint32_t mask);
	void set_w1cmask(uint32_t offset, unsigned width, uint32_t mask);

	/* Remember the current bytes as the power-on state, and go back to it
	 * (masks never change after construction). */
	void capture_defaults() { defaults_ = data_; }
	void reset_to_defaults() { data_ = defaults_; }

	const std::array<uint8_t, kStorage> &bytes() const { return data_; }

private:
	uint32_t size_;
	std::array<uint8_t, kStorage> data_{};
	std::array<uint8_t, kStorage> wmask_{};
	std::array<uint8_t, kStorage> w1cmask_{};
	std::array<uint8_t, kStorage> defaults_{};
};

/* Whether the bytes [offset, offset + width) include [reg, reg + reg_width). */
constexpr bool touches(uint32_t offset, unsigned width, uint32_t reg, unsigned reg_width)
{
	return offset < reg + reg_width && reg < offset + width;
}

} /* namespace softvfio::pci */
