/* SPDX-License-Identifier: MIT */
/* /proc/self/maps lines, for the offset column and path. */
#pragma once

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace softvfio::mm::test {

struct MapsLine {
	uintptr_t start = 0;
	uintptr_t end = 0;
	std::string perms;
	uint64_t offset = 0;
	std::string path;
};

/* The line of the real mapping containing `addr`. */
inline std::optional<MapsLine> maps_line(uintptr_t addr)
{
	std::ifstream in("/proc/self/maps");
	std::string line;
	while (std::getline(in, line)) {
		MapsLine m;
		std::istringstream is(line);
		std::string range, dev, inode;
		is >> range >> m.perms >> std::hex >> m.offset >> dev >> inode;
		std::getline(is, m.path);
		m.path.erase(0, m.path.find_first_not_of(' '));
		std::sscanf(range.c_str(), "%lx-%lx", &m.start, &m.end);
		if (addr >= m.start && addr < m.end)
			return m;
	}
	return std::nullopt;
}

} /* namespace softvfio::mm::test */
