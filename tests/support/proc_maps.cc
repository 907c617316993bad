/* SPDX-License-Identifier: MIT */
#include "support/proc_maps.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace softvfio::test {

namespace {

/* The first line for which `wanted(start, end)` holds. */
template<typename Wanted>
std::optional<MapsLine> find_line(Wanted wanted)
{
	FILE *f = std::fopen("/proc/self/maps", "r");
	if (!f)
		return std::nullopt;
	char line[1024];
	std::optional<MapsLine> found;
	while (std::fgets(line, sizeof(line), f)) {
		MapsLine m;
		char perms[8] = {};
		int path_at = 0;
		if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s %" SCNx64 " %*s %*s %n", &m.start, &m.end, perms,
				&m.offset, &path_at) < 4)
			continue;
		if (!wanted(m.start, m.end))
			continue;
		m.perms = perms;
		m.text = line;
		m.text.erase(m.text.find_last_not_of('\n') + 1);
		m.path = path_at ? std::string(line + path_at) : "";
		m.path.erase(m.path.find_last_not_of('\n') + 1);
		found = m;
		break;
	}
	std::fclose(f);
	return found;
}

} /* namespace */

std::optional<MapsLine> maps_line(const void *addr)
{
	auto a = reinterpret_cast<uintptr_t>(addr);
	return find_line([a](uintptr_t start, uintptr_t) { return start == a; });
}

std::optional<MapsLine> maps_line_containing(uintptr_t addr)
{
	return find_line([addr](uintptr_t start, uintptr_t end) { return addr >= start && addr < end; });
}

} /* namespace softvfio::test */
