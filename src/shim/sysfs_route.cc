/* SPDX-License-Identifier: MIT */
#include "shim/sysfs_route.h"

#include <cerrno>
#include <climits>
#include <sys/stat.h>
#include <unistd.h>

namespace softvfio::shim {

NodeType SysfsDirs::probe(SysSide side, const std::string &rel, int &error)
{
	const std::string &base = *root(side);
	if (base.empty()) {
		error = ENOENT;
		return NodeType::Missing;
	}
	std::string path = base + rel;
	struct stat st;
	if (::lstat(path.c_str(), &st) < 0) {
		error = errno;
		return NodeType::Missing;
	}
	if (S_ISDIR(st.st_mode))
		return NodeType::Dir;
	return S_ISLNK(st.st_mode) ? NodeType::Link : NodeType::File;
}

bool SysfsDirs::link_text(SysSide side, const std::string &rel, std::string &target)
{
	const std::string &base = *root(side);
	if (base.empty())
		return false;
	std::string path = base + rel;
	char text[PATH_MAX];
	ssize_t n = ::readlink(path.c_str(), text, sizeof(text));
	if (n < 0 || static_cast<size_t>(n) >= sizeof(text))
		return false;
	target.assign(text, static_cast<size_t>(n));
	return true;
}

std::string spell_as_sys(const std::string &path, const std::string &view, const std::string &view_canonical)
{
	for (const std::string *prefix : {&view_canonical, &view}) {
		if (prefix->empty() || path.compare(0, prefix->size(), *prefix) != 0)
			continue;
		if (path.size() == prefix->size() || path[prefix->size()] == '/')
			return "/sys" + path.substr(prefix->size());
	}
	return path;
}

SysRoute route_walk(const SysfsWalk &walk)
{
	if (walk.end != SysfsWalk::End::Found || !walk.view)
		return SysRoute::Real;
	return walk.machine && walk.type == NodeType::Dir ? SysRoute::Merged : SysRoute::Overlay;
}

} /* namespace softvfio::shim */
