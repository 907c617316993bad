/* SPDX-License-Identifier: MIT */
#include "shim/tree_walk.h"

#include <cerrno>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "shim/dir_listing.h"
#include "shim/resolve.h"
#include "shim/stat_path.h"

namespace softvfio::shim {

namespace {

struct Walker {
	int flags;
	const WalkVisit &visit;
	bool follow_root;   /* "dir/": the root is what a link there names */
	std::set<std::pair<dev_t, ino_t>> seen;
	bool stopped = false;

	/* The entries of the directory at `path`, or false if unreadable. */
	static bool list(const std::string &path, std::vector<DirEntryInfo> &out)
	{
		Resolved r = resolve_path(AT_FDCWD, path.c_str(), true);
		switch (r.route) {
		case Route::Node:
		case Route::SysMerged:
			if (served_listing(r.logical, out))
				return true;
			break;
		case Route::Error:
			return false;
		default:
			break;
		}
		out = list_real_dir(r.route == Route::SysView || !r.path.empty() ? r.path : path);
		return !out.empty();
	}

	/* The nftw result of one callback: 0 goes on; with FTW_ACTIONRETVAL
	 * FTW_SKIP_SUBTREE / FTW_SKIP_SIBLINGS are reported upwards. */
	int call(const std::string &path, const struct stat *st, int type, int level)
	{
		struct FTW ftw;
		size_t slash = path.find_last_of('/');
		ftw.base = slash == std::string::npos || path.size() == 1 ? 0 : static_cast<int>(slash + 1);
		ftw.level = level;
		int r = visit(path.c_str(), st, type, &ftw);
		if (!(flags & FTW_ACTIONRETVAL))
			return r;
		if (r == FTW_STOP)
			stopped = true;
		return r;
	}

	int node(const std::string &path, int level)
	{
		struct stat st;
		bool phys = (flags & FTW_PHYS) && !(level == 0 && follow_root);
		if (stat_path(AT_FDCWD, path.c_str(), &st, phys ? AT_SYMLINK_NOFOLLOW : 0) < 0) {
			if (!phys && stat_path(AT_FDCWD, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				return call(path, &st, FTW_SLN, level);
			return call(path, &st, FTW_NS, level);
		}
		if (S_ISLNK(st.st_mode))
			return call(path, &st, FTW_SL, level);
		if (!S_ISDIR(st.st_mode))
			return call(path, &st, FTW_F, level);
		if (!seen.emplace(st.st_dev, st.st_ino).second)
			return 0;
		std::vector<DirEntryInfo> entries;
		if (!list(path, entries))
			return call(path, &st, FTW_DNR, level);
		bool depth = flags & FTW_DEPTH;
		if (!depth) {
			int r = call(path, &st, FTW_D, level);
			if (flags & FTW_ACTIONRETVAL) {
				if (r == FTW_SKIP_SUBTREE)
					return 0;
				if (r != FTW_CONTINUE)
					return r;
			} else if (r) {
				return r;
			}
		}
		for (const auto &e : entries) {
			if (e.name == "." || e.name == "..")
				continue;
			std::string child = path == "/" ? "/" + e.name : path + "/" + e.name;
			int r = node(child, level + 1);
			if (stopped)
				return FTW_STOP;
			if (flags & FTW_ACTIONRETVAL) {
				if (r == FTW_SKIP_SIBLINGS)
					break;
				if (r != FTW_CONTINUE && r != FTW_SKIP_SUBTREE)
					return r;
			} else if (r) {
				return r;
			}
		}
		if (depth)
			return call(path, &st, FTW_DP, level);
		return 0;
	}
};

} /* namespace */

int walk_tree(const char *root, int flags, const WalkVisit &visit)
{
	if (!root || !*root) {
		errno = ENOENT;
		return -1;
	}
	std::string start(root);
	Walker w{flags, visit, start.size() > 1 && start.back() == '/', {}};
	while (start.size() > 1 && start.back() == '/')
		start.pop_back();
	/* A root that does not exist is an error, not an FTW_NS visit. */
	struct stat st;
	if (stat_path(AT_FDCWD, start.c_str(), &st, 0) < 0 &&
	    ((flags & FTW_PHYS) || stat_path(AT_FDCWD, start.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0))
		return -1;
	int r = w.node(start, 0);
	if ((flags & FTW_ACTIONRETVAL) && (r == FTW_SKIP_SUBTREE || r == FTW_SKIP_SIBLINGS))
		return 0;
	return r;
}

} /* namespace softvfio::shim */
