/* SPDX-License-Identifier: MIT */
#include <unordered_map>

#include "shim/dir_listing.h"

namespace softvfio::shim {

std::vector<DirEntryInfo> merge_listings(std::vector<DirEntryInfo> machine, const std::vector<DirEntryInfo> &view)
{
	std::unordered_map<std::string, size_t> at;
	for (size_t i = 0; i < machine.size(); i++)
		at.emplace(machine[i].name, i);
	for (const auto &e : view) {
		auto it = at.find(e.name);
		if (it == at.end()) {
			at.emplace(e.name, machine.size());
			machine.push_back(e);
		} else if (e.name != "." && e.name != "..") {
			machine[it->second] = e;
		}
	}
	return machine;
}

} /* namespace softvfio::shim */
