/* SPDX-License-Identifier: MIT */
#include "shim/sysfs_walk.h"

#include <cerrno>
#include <vector>

namespace softvfio::shim {

namespace {

/* Push the components of `text` so that the first is at the back (the
 * next one taken). A trailing '/' becomes a last "." component: the name
 * before it is then not the last one, so a link there is followed and
 * must lead to a directory, which is what the kernel does with it. */
void push_components(std::string_view text, std::vector<std::string> &pending)
{
	if (text.size() > 1 && text.back() == '/')
		pending.emplace_back(".");
	size_t end = text.size();
	while (end > 0) {
		size_t slash = text.rfind('/', end - 1);
		size_t begin = slash == std::string_view::npos ? 0 : slash + 1;
		if (end > begin)
			pending.emplace_back(text.substr(begin, end - begin));
		if (slash == std::string_view::npos)
			break;
		end = slash;
	}
}

/* "/<name>/<rest...>": what is left of the walk, for the rest of the
 * system. */
std::string outside_path(const std::string &name, std::vector<std::string> &pending)
{
	std::string path = "/" + name;
	while (!pending.empty()) {
		path += '/';
		path += pending.back();
		pending.pop_back();
	}
	return path;
}

SysfsWalk failed(int error)
{
	SysfsWalk w;
	w.end = SysfsWalk::End::Error;
	w.error = error;
	return w;
}

/* A directory reached: where its entries are looked up. */
struct Level {
	size_t len;     /* of `rel` up to it */
	bool view;
	bool machine;
};

} /* namespace */

SysfsWalk walk_sysfs(std::string_view path, bool follow, SysfsTrees &trees)
{
	std::vector<std::string> pending;
	push_components(path, pending);
	/* Empty: at "/"; dirs[0] is /sys. */
	std::vector<Level> dirs;
	std::string rel;
	int links = 0;
	SysfsWalk out;
	while (!pending.empty()) {
		std::string name = std::move(pending.back());
		pending.pop_back();
		bool last = pending.empty();
		if (name == ".")
			continue;
		if (name == "..") {
			/* The parent of what was reached; "/.." is "/". */
			if (!dirs.empty()) {
				dirs.pop_back();
				rel.resize(dirs.empty() ? 0 : dirs.back().len);
			}
			continue;
		}
		if (dirs.empty()) {
			int verr = 0, merr = 0;
			bool in_view = name == "sys" && trees.probe(SysSide::View, "", verr) == NodeType::Dir;
			bool in_machine = name == "sys" && trees.probe(SysSide::Machine, "", merr) == NodeType::Dir;
			if (!in_view && !in_machine) {
				out.end = SysfsWalk::End::Outside;
				out.path = outside_path(name, pending);
				return out;
			}
			dirs.push_back({0, in_view, in_machine});
			rel.clear();
			continue;
		}
		const Level at = dirs.back();
		std::string child = rel + "/" + name;
		int verr = ENOENT, merr = ENOENT;
		NodeType v = at.view ? trees.probe(SysSide::View, child, verr) : NodeType::Missing;
		/* The machine's is looked at when the view lacks the name, and
		 * for a directory of the view, which is merged if the machine has
		 * it too (its entries may then be either's). */
		NodeType m = NodeType::Missing;
		if (at.machine && (v == NodeType::Missing || v == NodeType::Dir))
			m = trees.probe(SysSide::Machine, child, merr);
		SysSide side = v != NodeType::Missing ? SysSide::View : SysSide::Machine;
		NodeType type = v != NodeType::Missing ? v : m;
		if (type == NodeType::Missing) {
			int err = at.view && verr != ENOENT ? verr : at.machine ? merr : ENOENT;
			if (!last || err != ENOENT)
				return failed(err);
			out.end = SysfsWalk::End::Missing;
			out.path = "/sys" + child;
			out.view = at.view;
			out.machine = at.machine;
			return out;
		}
		if (type == NodeType::Link && (!last || follow)) {
			if (++links > kMaxSymlinks)
				return failed(ELOOP);
			std::string target;
			if (!trees.link_text(side, child, target) || target.empty())
				return failed(ENOENT);
			if (target[0] == '/') {
				dirs.clear();
				rel.clear();
			}
			push_components(target, pending);
			continue;
		}
		if (type == NodeType::Dir) {
			rel = std::move(child);
			bool view = side == SysSide::View;
			dirs.push_back({rel.size(), view, !view || m == NodeType::Dir});
			continue;
		}
		/* A file, or a link not followed: the end of the walk. */
		if (!last)
			return failed(ENOTDIR);
		out.end = SysfsWalk::End::Found;
		out.path = "/sys" + child;
		out.type = type;
		out.view = side == SysSide::View;
		out.machine = !out.view;
		return out;
	}
	if (dirs.empty()) {
		out.end = SysfsWalk::End::Outside;
		out.path.push_back('/');
		return out;
	}
	out.end = SysfsWalk::End::Found;
	out.path = "/sys" + rel;
	out.type = NodeType::Dir;
	out.view = dirs.back().view;
	out.machine = dirs.back().machine;
	return out;
}

} /* namespace softvfio::shim */
