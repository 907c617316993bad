/* SPDX-License-Identifier: MIT */
#include "shim/resolve.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <unistd.h>

#include "shim/cwd.h"
#include "shim/dev_nodes.h"
#include "shim/dev_walk.h"
#include "shim/paths.h"
#include "shim/real.h"
#include "shim/state.h"
#include "shim/sysfs_route.h"
#include "shim/sysfs_walk.h"

namespace softvfio::shim {

namespace {

pid_t self_pid() { return ::getpid(); }

/* A path through /proc/self/cwd or /proc/self/fd/<n>/ and a walk leaving
 * /sys are classified again; a few rounds are all a sane path takes. */
constexpr int kMaxRounds = 8;

/* The logical directory of a Dir fd, or of the current directory (-1). */
std::optional<std::string> logical_dir(int fd)
{
	if (fd < 0)
		return cwd_logical();
	if (fd_cache().get(fd).kind != FdKind::Dir)
		return std::nullopt;
	return note_get(fd);
}

Resolved failed(int error, std::string spelled)
{
	Resolved r;
	r.route = Route::Error;
	r.error = error;
	r.path = std::move(spelled);
	return r;
}

Resolved resolve_absolute(const char *path, bool follow, bool spelled, int round);

/* The kernel copies at most PATH_MAX bytes of a path, its NUL included
 * (fs/namei.c, getname_flags): a longer one is ENAMETOOLONG before any
 * lookup. Checked for the paths the shim answers or rewrites; the C
 * library's own get the kernel's check. */
bool too_long(const char *path) { return ::strnlen(path, PATH_MAX) >= PATH_MAX; }

/* What a prefix of a /dev path is, for walk_dev_path: the model's answer
 * for its nodes, the machine's for the rest of /dev. */
DevEntry probe_dev(const std::string &prefix)
{
	if (prefix == "/dev/iommu" || prefix.rfind("/dev/vfio", 0) == 0) {
		if (auto info = served_node(prefix))
			return !info->exists ? DevEntry::Missing : info->directory ? DevEntry::Dir : DevEntry::Other;
	}
	struct stat st;
	ModelScope pass;
	if (REAL(stat)(prefix.c_str(), &st) < 0)
		return DevEntry::Missing;
	return S_ISDIR(st.st_mode) ? DevEntry::Dir : DevEntry::Other;
}

/* A tidied /sys path: walked, then routed by where it ends. */
Resolved resolve_sys(PathClass &c, bool follow, bool spelled, int round)
{
	Resolved r;
	SysfsRoot root = sysfs_root();
	if (root.path.empty()) {
		/* No view: all of /sys is the machine's. */
		if (spelled)
			r.path = std::move(c.norm);
		return r;
	}
	SysfsWalk w;
	{
		ModelScope pass; /* the walk's lstat and readlink are the shim's own */
		SysfsDirs trees(root.path);
		w = walk_sysfs(c.norm, follow, trees);
	}
	switch (w.end) {
	case SysfsWalk::End::Outside:
		return resolve_absolute(w.path.c_str(), follow, true, round + 1);
	case SysfsWalk::End::Error:
		return failed(w.error, std::move(c.norm));
	case SysfsWalk::End::Missing:
		/* In a directory of the machine's, the C library answers (and
		 * creates, where the file system lets it); the view creates
		 * nothing. */
		if (!w.machine)
			return failed(ENOENT, std::move(c.norm));
		r.path = std::move(w.path);
		return r;
	case SysfsWalk::End::Found:
		break;
	}
	r.dir = w.type == NodeType::Dir;
	switch (route_walk(w)) {
	case SysRoute::Real:
		r.path = w.path;
		break;
	case SysRoute::Overlay:
		r.route = Route::SysView;
		r.path = root.path + w.path.substr(4);
		break;
	case SysRoute::Merged:
		r.route = Route::SysMerged;
		break;
	}
	r.logical = std::move(w.path);
	return r;
}

/* `spelled`: the path is not the caller's own (joined to a directory, or
 * what a walk left), so a Real answer must carry it. */
Resolved resolve_absolute(const char *path, bool follow, bool spelled, int round)
{
	Resolved r;
	if (round > kMaxRounds)
		return failed(ELOOP, {});
	PathClass c = classify_path(path, self_pid);
	bool ours = c.kind != PathKind::Other || !c.norm.empty();
	if (ours && !spelled && too_long(path))
		return failed(ENAMETOOLONG, {});
	/* A served node, or a path folded through /dev/vfio: the names
	 * before its ".." or trailing '/' must be directories. */
	if ((c.kind == PathKind::DevNode || (ours && std::strncmp(path, "/dev/", 5) == 0)) &&
	    dev_path_needs_walk(path))
		if (int e = walk_dev_path(path, probe_dev))
			return failed(e, {});
	switch (c.kind) {
	case PathKind::Other:
		if (!c.norm.empty())
			r.path = std::move(c.norm);
		else if (spelled)
			r.path = path;
		return r;
	case PathKind::DevNode:
		r.route = Route::Node;
		r.logical = std::move(c.norm);
		return r;
	case PathKind::ProcMaps:
		r.route = Route::ProcMaps;
		return r;
	case PathKind::ProcFd:
	case PathKind::ProcFdinfo:
		r.route = c.kind == PathKind::ProcFd ? Route::ProcFd : Route::ProcFdinfo;
		r.fd = c.fd;
		if (spelled)
			r.path = path;
		return r;
	case PathKind::ProcDir: {
		/* Through the magic link of a directory the shim keeps the
		 * logical path of: from that path, as the link would lead
		 * there. "/proc/self/cwd" itself, not followed, is the link. */
		auto dir = logical_dir(c.fd);
		if (!dir) {
			if (spelled)
				r.path = path;
			return r;
		}
		if (c.rel.empty() && !follow) {
			r.route = Route::ProcCwd;
			r.logical = std::move(*dir);
			if (spelled)
				r.path = path;
			return r;
		}
		std::string joined = c.rel.empty() ? *dir : join_path(*dir, c.rel.substr(1));
		return resolve_absolute(joined.c_str(), follow, true, round + 1);
	}
	case PathKind::Sys:
		break;
	}
	return resolve_sys(c, follow, spelled, round);
}

Resolved resolve(int dirfd, const char *path, bool follow)
{
	if (!path)
		return {};
	if (path[0] == '/')
		return resolve_absolute(path, follow, false, 0);
	/* Relative: the current directory costs one load while it is not
	 * kept; a directory fd, one fd cache lookup. */
	if (!path[0] || (dirfd == AT_FDCWD && !cwd_tracked()))
		return {};
	auto dir = logical_dir(dirfd == AT_FDCWD ? -1 : dirfd);
	if (!dir)
		return {};
	if (too_long(path))
		return failed(ENAMETOOLONG, {});
	std::string joined = join_path(*dir, path);
	return resolve_absolute(joined.c_str(), follow, true, 0);
}

} /* namespace */

Resolved resolve_path(int dirfd, const char *path, bool follow) noexcept
{
	/* The walk's failed lookups are not the caller's: it gets r.error. */
	KeepErrno keep;
	try {
		return resolve(dirfd, path, follow);
	} catch (...) {
		return Resolved{};
	}
}

} /* namespace softvfio::shim */
