/* SPDX-License-Identifier: MIT */
#include "base/lexical_path.h"

#include <vector>

namespace softvfio {

bool lexically_normal(std::string_view path, bool allow_dotdot, std::string &out)
{
	std::vector<std::string_view> parts;
	bool refused = false;
	for_each_component(path, [&](std::string_view part) {
		if (part.empty() || part == ".")
			return true;
		if (part == "..") {
			if (!allow_dotdot) {
				refused = true;
				return false;
			}
			if (!parts.empty())
				parts.pop_back();
			return true;
		}
		parts.push_back(part);
		return true;
	});
	if (refused)
		return false;
	std::string joined;
	for (auto part : parts) {
		joined.push_back('/');
		joined.append(part.data(), part.size());
	}
	if (joined.empty())
		joined.push_back('/');
	out.swap(joined);
	return true;
}

} /* namespace softvfio */
