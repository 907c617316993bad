/* SPDX-License-Identifier: MIT */
#include "shim/dev_walk.h"

#include <cerrno>
#include <climits>
#include <vector>

namespace softvfio::shim {

namespace {

std::vector<std::string_view> components(std::string_view path)
{
	std::vector<std::string_view> out;
	size_t at = 0;
	while (at < path.size()) {
		size_t slash = path.find('/', at);
		size_t end = slash == std::string_view::npos ? path.size() : slash;
		if (end > at)
			out.push_back(path.substr(at, end - at));
		at = end + 1;
	}
	return out;
}

std::string joined(const std::vector<std::string_view> &names)
{
	std::string out;
	for (std::string_view n : names) {
		out += '/';
		out.append(n.data(), n.size());
	}
	return out.empty() ? "/" : out;
}

} /* namespace */

bool dev_path_needs_walk(std::string_view path)
{
	return path.find("/.") != std::string_view::npos || (path.size() > 1 && path.back() == '/');
}

int walk_dev_path(std::string_view path, const std::function<DevEntry(const std::string &)> &probe)
{
	/* "x/" and "x/." both make x need to be a directory. */
	bool trailing = path.size() > 1 && (path.back() == '/' || path.substr(path.size() - 2) == "/.");
	std::vector<std::string_view> names = components(path);
	std::vector<std::string_view> reached;
	for (size_t i = 0; i < names.size(); i++) {
		std::string_view name = names[i];
		if (name.size() > NAME_MAX)
			return ENAMETOOLONG;
		if (name == ".")
			continue;
		if (name == "..") {
			/* What was reached is a directory already: it was checked
			 * when a name followed it. "/.." is "/". */
			if (!reached.empty())
				reached.pop_back();
			continue;
		}
		reached.push_back(name);
		/* Is anything walked on from here? */
		bool more = false;
		for (size_t j = i + 1; j < names.size() && !more; j++)
			more = names[j] != ".";
		if (!more && !trailing)
			break;
		switch (probe(joined(reached))) {
		case DevEntry::Missing:
			return ENOENT;
		case DevEntry::Other:
			return ENOTDIR;
		case DevEntry::Dir:
			break;
		}
	}
	return 0;
}

} /* namespace softvfio::shim */
