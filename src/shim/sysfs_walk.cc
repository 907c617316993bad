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

/* Whether the machine has a directory the walk reached: asked only when
 * needed (a name the view lacks, or a directory at the end, which may be
 * merged), so a walk through the view costs one lookup a name. */
enum class Has : uint8_t { No, Yes, Unknown };

/* A directory reached: where its entries are looked up. */
struct Level {
	size_t len;     /* of `rel` up to it */
	bool view;      /* /sys itself counts as the view's: without a view,
			 * every name is missing from it all the same */
	Has machine;
};

class Walker
{
public:
	explicit Walker(SysfsTrees &trees) : trees_(trees) {}

	SysfsWalk walk(std::string_view path, bool follow);

private:
	bool machine_has(size_t level)
	{
		Level &l = dirs_[level];
		if (l.machine == Has::Unknown) {
			int error = 0;
			bool up = level == 0 || machine_has(level - 1);
			l.machine = up && trees_.probe(SysSide::Machine, rel_.substr(0, l.len), error) == NodeType::Dir
					    ? Has::Yes
					    : Has::No;
		}
		return l.machine == Has::Yes;
	}

	SysfsTrees &trees_;
	std::vector<std::string> pending_;
	/* Empty: at "/"; dirs_[0] is /sys. */
	std::vector<Level> dirs_;
	std::string rel_;
};

SysfsWalk Walker::walk(std::string_view path, bool follow)
{
	push_components(path, pending_);
	int links = 0;
	SysfsWalk out;
	while (!pending_.empty()) {
		std::string name = std::move(pending_.back());
		pending_.pop_back();
		bool last = pending_.empty();
		if (name == ".")
			continue;
		if (name == "..") {
			/* The parent of what was reached; "/.." is "/". */
			if (!dirs_.empty()) {
				dirs_.pop_back();
				rel_.resize(dirs_.empty() ? 0 : dirs_.back().len);
			}
			continue;
		}
		if (dirs_.empty()) {
			if (name != "sys") {
				out.end = SysfsWalk::End::Outside;
				out.path = outside_path(name, pending_);
				return out;
			}
			dirs_.push_back({0, true, Has::Unknown});
			rel_.clear();
			continue;
		}
		size_t top = dirs_.size() - 1;
		bool in_view = dirs_[top].view;
		std::string child = rel_ + "/" + name;
		int verr = ENOENT, merr = ENOENT;
		NodeType v = in_view ? trees_.probe(SysSide::View, child, verr) : NodeType::Missing;
		NodeType m = NodeType::Missing;
		if (v == NodeType::Missing && machine_has(top))
			m = trees_.probe(SysSide::Machine, child, merr);
		SysSide side = v != NodeType::Missing ? SysSide::View : SysSide::Machine;
		NodeType type = v != NodeType::Missing ? v : m;
		if (type == NodeType::Missing) {
			int err = verr != ENOENT ? verr : merr;
			if (!last || err != ENOENT)
				return failed(err);
			out.end = SysfsWalk::End::Missing;
			out.path = "/sys" + child;
			out.view = in_view;
			out.machine = machine_has(top);
			return out;
		}
		if (type == NodeType::Link && (!last || follow)) {
			if (++links > kMaxSymlinks)
				return failed(ELOOP);
			std::string target;
			if (!trees_.link_text(side, child, target) || target.empty())
				return failed(ENOENT);
			if (target[0] == '/') {
				dirs_.clear();
				rel_.clear();
			}
			push_components(target, pending_);
			continue;
		}
		if (type == NodeType::Dir) {
			rel_ = std::move(child);
			bool view = side == SysSide::View;
			dirs_.push_back({rel_.size(), view, view ? Has::Unknown : Has::Yes});
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
	if (dirs_.empty()) {
		out.end = SysfsWalk::End::Outside;
		out.path.push_back('/');
		return out;
	}
	out.end = SysfsWalk::End::Found;
	out.path = "/sys" + rel_;
	out.type = NodeType::Dir;
	out.view = dirs_.back().view;
	out.machine = machine_has(dirs_.size() - 1);
	return out;
}

} /* namespace */

SysfsWalk walk_sysfs(std::string_view path, bool follow, SysfsTrees &trees)
{
	return Walker(trees).walk(path, follow);
}

} /* namespace softvfio::shim */
