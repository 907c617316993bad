/* SPDX-License-Identifier: MIT */
#include "shim/resolve.h"

#include <unistd.h>

#include "shim/paths.h"
#include "shim/state.h"
#include "shim/sysfs_route.h"

namespace softvfio::shim {

namespace {

pid_t self_pid() { return ::getpid(); }

Resolved resolve(int dirfd, const char *path, bool follow)
{
	Resolved r;
	if (!path)
		return r;
	PathClass c;
	if (path[0] == '/' || dirfd == AT_FDCWD) {
		c = classify_path(path, self_pid);
	} else {
		if (fd_cache().get(dirfd).kind != FdKind::Dir || !path[0])
			return r;
		auto dir = note_get(dirfd);
		if (!dir)
			return r;
		std::string joined = join_path(*dir, path);
		c = classify_path(joined.c_str(), self_pid);
		if (c.kind == PathKind::Other) {
			/* Not served after all: the machine's path, spelled out. */
			r.path = std::move(joined);
			return r;
		}
	}
	switch (c.kind) {
	case PathKind::Other:
		if (!c.norm.empty())
			r.path = std::move(c.norm);
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
		return r;
	case PathKind::Sys:
		break;
	}
	SysfsRoot root = sysfs_root();
	SysRoute where;
	{
		ModelScope pass; /* route_sys's stat calls are the shim's own */
		where = route_sys(root.path, c.rel, follow);
	}
	switch (where) {
	case SysRoute::Real:
		if (path[0] != '/' && dirfd != AT_FDCWD)
			r.path = c.norm;
		return r;
	case SysRoute::Overlay:
		r.route = Route::SysView;
		r.path = root.path + c.rel;
		r.logical = std::move(c.norm);
		return r;
	case SysRoute::Merged:
		r.route = Route::SysMerged;
		r.logical = std::move(c.norm);
		return r;
	}
	return r;
}

} /* namespace */

Resolved resolve_path(int dirfd, const char *path, bool follow) noexcept
{
	try {
		return resolve(dirfd, path, follow);
	} catch (...) {
		return Resolved{};
	}
}

} /* namespace softvfio::shim */
