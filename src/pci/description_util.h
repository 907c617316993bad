/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the description parser, the validator and the
 * function model: number formatting for messages, size strings, powers of two.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace softvfio::pci::desc_util {

/* "0x3000" */
std::string format_hex(uint64_t value);

/* "4096", "0x1000", "4KiB", "4 KiB", "1MiB", "2GiB", "1TiB", "256B"; nullopt
 * for anything else or on overflow. */
std::optional<uint64_t> parse_size_string(std::string_view text);

constexpr bool is_power_of_two(uint64_t v) { return v && !(v & (v - 1)); }

constexpr uint64_t align_up(uint64_t v, uint64_t align) { return (v + align - 1) & ~(align - 1); }

/* Whether [a, a + alen) and [b, b + blen) intersect. */
constexpr bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

} /* namespace softvfio::pci::desc_util */
