/* SPDX-License-Identifier: MIT */
/*
 * Where a path a program names goes: the C library as given (the common
 * case, decided without allocating), a device node of the model, the
 * software devices' sysfs view, a merged sysfs directory, or one of the
 * process's own /proc files the shim rewrites.
 *
 * A /sys path is resolved the way the kernel's sysfs would resolve it
 * (sysfs_walk.h): links followed in the view or on the machine, ".." to
 * the parent of what was reached, then routed by where its end lives.
 *
 * A relative path is joined to a logical directory when there is one: a
 * directory fd the shim knows (FdKind::Dir: served, merged or view
 * directories, and the machine's below /sys reached by a walk), or the
 * current directory while it is inside /sys or /dev/vfio (cwd.h). Anything
 * else relative is the C library's, untouched.
 */
#pragma once

#include <fcntl.h>
#include <string>

namespace softvfio::shim {

enum class Route {
	Real,         /* the C library: path if not empty (the path spelled out
		       * or resolved), else the caller's own arguments; logical:
		       * the resolved /sys path when a walk got there */
	Node,         /* logical: the normalised /dev path */
	SysView,      /* path: inside the view; logical: the /sys path */
	SysMerged,    /* logical: the /sys path (a directory in both) */
	ProcMaps,
	ProcFd,       /* fd */
	ProcFdinfo,   /* fd */
	ProcCwd,      /* the link /proc/self/cwd itself while the current
		       * directory is kept (cwd.h), not followed; logical: the
		       * current directory (what the link reads) */
	Error,        /* error: the errno the kernel would give. path: the
		       * path spelled out below /sys, which fails the same way
		       * for a caller that knows no Error (never a view path) */
};

struct Resolved {
	Route route = Route::Real;
	std::string path;
	std::string logical;
	int fd = -1;
	int error = 0;
	/* The path ends at a directory (after the walk, for /sys paths). */
	bool dir = false;
};

/* `follow`: whether a symlink in the last component is followed. Never
 * throws: without memory, every path is the C library's. */
Resolved resolve_path(int dirfd, const char *path, bool follow) noexcept;

} /* namespace softvfio::shim */
