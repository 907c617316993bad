/* SPDX-License-Identifier: MIT */
/* Counts in messages: "1 mapping", "2 mappings", never "1 mappings". */
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace softvfio::cli {

/* `n` and `noun`, with `plural` (default: noun + "s") unless n is 1. */
inline std::string counted(size_t n, std::string_view noun, std::string_view plural = {})
{
	std::string out = std::to_string(n) + " ";
	if (n == 1)
		out += noun;
	else if (!plural.empty())
		out += plural;
	else
		(out += noun) += "s";
	return out;
}

} /* namespace softvfio::cli */
