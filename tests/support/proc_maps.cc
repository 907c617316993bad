/* SPDX-License-Identifier: MIT */
#include "support/proc_maps.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace softvfio::test {

std::optional<MapsLine> maps_line(const void *addr)
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
		if (m.start != reinterpret_cast<uintptr_t>(addr))
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

} /* namespace softvfio::test */
