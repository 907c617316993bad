/* SPDX-License-Identifier: MIT */
/*
 * `softvfio record`: a function's config bytes as they were read, for the
 * decoders (record_decode.cc, record_sriov.cc). Reads past the bytes read
 * return 0 and has() says so, so a truncated config is never read past.
 */
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace softvfio::cli::record {

class Config
{
public:
	explicit Config(const std::vector<uint8_t> &bytes) : bytes_(bytes) {}

	size_t size() const { return bytes_.size(); }
	bool has(size_t off, size_t width) const { return off + width <= bytes_.size(); }
	uint32_t read(size_t off, size_t width) const
	{
		uint32_t v = 0;
		if (has(off, width))
			std::memcpy(&v, bytes_.data() + off, width);  /* PCI is little-endian, as is x86 */
		return v;
	}
	uint8_t byte(size_t off) const { return static_cast<uint8_t>(read(off, 1)); }
	uint16_t word(size_t off) const { return static_cast<uint16_t>(read(off, 2)); }
	uint32_t dword(size_t off) const { return read(off, 4); }

private:
	const std::vector<uint8_t> &bytes_;
};

/* "0x1f", or zero-padded to `digits` hex digits: "0x001f". */
inline std::string hex(uint64_t v, int digits = 0)
{
	return digits ? fmt::format("{:#0{}x}", v, digits + 2) : fmt::format("{:#x}", v);
}

} /* namespace softvfio::cli::record */
