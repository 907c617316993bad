/* SPDX-License-Identifier: MIT */
#include "base/lexical_path.h"

#include <vector>

namespace softvfio {

bool lexically_normal(std::string_view path, bool allow_dotdot, std::string &out)
{
	std::vector<std::string_view> parts;
	size_t at = 0;
	while (at < path.size()) {
		size_t next = path.find('/', at);
		if (next == std::string_view::npos)
			next = path.size();
		std::string_view part = path.substr(at, next - at);
		at = next + 1;
		if (part.empty() || part == ".")
			continue;
		if (part == "..") {
			if (!allow_dotdot)
				return false;
			if (!parts.empty())
				parts.pop_back();
			continue;
		}
		parts.push_back(part);
	}
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
