/* SPDX-License-Identifier: MIT */
/* The /proc/self/maps line of a mapping, as clients parse it. */
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace softvfio::test {

struct MapsLine {
	uintptr_t start = 0;
	uintptr_t end = 0;
	std::string perms;
	uint64_t offset = 0;
	std::string path;
	std::string text;
};

/* The line whose range starts at `addr`. */
std::optional<MapsLine> maps_line(const void *addr);
/* The line whose range contains `addr`. */
std::optional<MapsLine> maps_line_containing(uintptr_t addr);

} /* namespace softvfio::test */
